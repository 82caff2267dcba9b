-- expect 4: bytes)
error(('x'):rep(1048576))
