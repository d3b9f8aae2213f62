"""The domain: every write goes through a function here that commits, then publishes.

Services know nothing of HTTP or sockets; API v1, v2 and the realtime handlers
all call the same functions.
"""
