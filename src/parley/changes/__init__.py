"""The change pipeline: how a change made in a unit of work reaches everyone who hears
of it.

- events: the domain events, what each says of itself, the subscribers, publishing.
- session: the session whose transaction stages events and writes them to the outbox.
- unit_of_work: the boundaries (a request, a socket event, a task) that commit once.
- outbox: events written in their transaction, read back by position.
- relay: every web process pushes the outbox to its sockets.
- wiring: the one list of subscribers.

Imports run one way: events, then outbox, then session (which parley.extensions builds
the app's session from), then unit_of_work and relay; wiring, at the top, names the
subscribers of the packages above.
"""
