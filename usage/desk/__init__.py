"""The cashier's desk: a card checked, its use recorded or undone, in seconds.

`card_check` says what a card can be used for today at a site (its state, the
offerings and the places their caps leave); `views` are the desk's pages and
the JSON the desk's script asks for; every write goes through
`usage.services`, the one write path.
"""
