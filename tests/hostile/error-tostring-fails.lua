-- expect 4: tests/hostile/error-tostring-fails.lua:2: (error object is a table value whose __tostring failed)
error(setmetatable({}, {__tostring = function() error('and again') end}))
