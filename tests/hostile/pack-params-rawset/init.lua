-- params are read-only: rawset on the proxy must not write a value a later call would see
return {focus = function(plan, params) rawset(params, "steps", 99) end}
