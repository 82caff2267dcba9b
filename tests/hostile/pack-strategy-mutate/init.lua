return {focus = function(plan) plan:channel("p4p"):set_bounds{min = -1} end}
