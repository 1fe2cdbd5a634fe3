"""The broker API v1 (/api/v1/), as /work/shared/API.md specifies it: ticket
brokers and venues' ticketing systems check cards and record their use.

Thin views over `usage.services` (the one write path) and `kaikukanta.access`
(the one place that decides scope); every error is RFC 9457 problem JSON."""
