-- a strategy raises a channel's min past the budget: the strategy is named, not plan.yaml
return {greedy = function(plan, params) plan:channel("p4p"):set_bounds{min = 1e6} end}
