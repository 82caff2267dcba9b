-- p = NaN is no quantile
return {stage = function(row, params)
  local q = mplan.quantiles({"visits"}, {0 / 0})
  return "A"
end}
