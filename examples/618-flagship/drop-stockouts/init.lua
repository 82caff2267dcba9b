-- A fit_transform for `mplan fit HISTORY.csv --pack drop-stockouts`: a week the shelves were
-- empty sold little whatever was spent, and would teach the fit that spend does nothing.
-- Such a period (GMV below min_share of the median period's, all channels together) keeps
-- its row(s) but loses its GMV: a period without GMV still carries its spend over into the
-- next (adstock) but is not fitted (docs/fit.md "Cleaning the history with a pack").
-- Works on both history shapes (period,gmv,<channel>... and period,channel,spend,gmv,...),
-- with periods numbered or dated; a period already without GMV is left as it is.
local M = {}

local function median(xs)
  local s = {}
  for i, x in ipairs(xs) do s[i] = x end
  table.sort(s)
  local n = #s
  if n % 2 == 1 then return s[(n + 1) / 2] end
  return (s[n / 2] + s[n / 2 + 1]) / 2
end

function M.drop_stockouts(history, params)
  -- gmv[p]: the period's GMV, all channels together (nil: none given); order: periods as met
  local gmv, order, met = {}, {}, {}
  for _, row in ipairs(history) do
    local p = row.period
    if not met[p] then
      met[p] = true
      order[#order + 1] = p
    end
    if row.gmv ~= nil then gmv[p] = (gmv[p] or 0) + row.gmv end
  end
  local totals = {}
  for _, p in ipairs(order) do
    if gmv[p] ~= nil then totals[#totals + 1] = gmv[p] end
  end
  if #totals == 0 then error("drop-stockouts needs a gmv column") end
  local floor = params.min_share * median(totals)
  local out = {}
  for _, p in ipairs(order) do
    if gmv[p] ~= nil and gmv[p] < floor then
      out[p] = true
      mplan.log("period %s: GMV %.0f is below %.0f: a stock-out, its GMV left out of the fit", tostring(p), gmv[p], floor)
    end
  end
  for _, row in ipairs(history) do
    if out[row.period] then row.gmv = nil end
  end
  return history
end

return M
