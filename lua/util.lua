-- mplan.util: small helpers for rule packs.  local util = require("mplan.util")
local util = {}

-- x limited to [lo, hi].
function util.clamp(x, lo, hi)
  if x < lo then return lo end
  if x > hi then return hi end
  return x
end

-- Sum of the values of an array (or of f(v) for each value).
function util.sum(t, f)
  local s = 0
  for _, v in ipairs(t) do s = s + (f and f(v) or v) end
  return s
end

-- A shallow copy of a table.
function util.copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

-- The keys of a table, sorted, so that loops over them run in the same order every time.
function util.keys(t)
  local ks = {}
  for k in pairs(t) do ks[#ks + 1] = k end
  table.sort(ks, function(a, b)
    if type(a) == type(b) then return a < b end
    return type(a) < type(b)
  end)
  return ks
end

-- Split `total` over the entries of `weights` ({key = weight >= 0}) in proportion;
-- entries with weight 0 get 0. Returns {key = share}.
function util.proportional(total, weights)
  local sum = 0
  for _, w in pairs(weights) do
    assert(type(w) == "number" and w >= 0, "util.proportional: weights must be numbers >= 0")
    sum = sum + w
  end
  local out = {}
  for k, w in pairs(weights) do out[k] = sum > 0 and total * w / sum or 0 end
  return out
end

return util
