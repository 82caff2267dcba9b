-- expect 4: tests/hostile/string-metatable.lua:3: attempt to index a boolean value
-- the shared string metatable is hidden: no script can change string methods for others
getmetatable('').__index = {upper = function() return 'pwned' end}
