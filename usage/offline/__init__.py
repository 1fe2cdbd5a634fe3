"""The desk while the network is down: the offline page, which keeps the uses
on the device, the service worker that serves it, and the sync that sends
them through `usage.services` once the network is back, each recorded once.
"""
