-- a result that contains itself: mplan reads it without recursing
return {alloc = function(plan, budget)
  local t = {}
  t.p4p = t
  return t
end}
