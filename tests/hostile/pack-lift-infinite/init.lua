-- each factor is finite, their product is not
return {lift = function(plan, params)
  local ch = plan:channel("p4p")
  for i = 1, 3 do ch:scale_lift(1, 1e300) end
end}
