return {fine = function(plan, params) end}
