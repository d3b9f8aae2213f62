"""The domain: every write goes through a function here that checks access, writes in
the caller's unit of work and stages its events (parley.changes): the unit of work
commits, and the events leave only once it has.

Services know nothing of HTTP or sockets; API v1, v2 and the realtime handlers
all call the same functions.
"""
