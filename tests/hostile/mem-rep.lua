-- expect 4: tests/hostile/mem-rep.lua: memory limit (64 MiB) exceeded
return ('x'):rep(1000000):rep(1000)
