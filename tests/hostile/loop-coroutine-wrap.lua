-- expect 4: tests/hostile/loop-coroutine-wrap.lua: instruction limit (1e7 steps) exceeded
-- the steps run inside a coroutine count as the caller's
local spin = coroutine.wrap(function()
  while true do
    for _ = 1, 1000 do end
    coroutine.yield()
  end
end)
while true do spin() end
