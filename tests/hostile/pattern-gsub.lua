-- expect 4: tests/hostile/pattern-gsub.lua: instruction limit (1e7 steps) exceeded
return (('a'):rep(50000)):gsub('a-a-a-a-b', '')
