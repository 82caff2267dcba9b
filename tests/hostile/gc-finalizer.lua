-- expect 4: __gc metamethods are not allowed in rule scripts
setmetatable({}, {__gc = function() while true do end end})
