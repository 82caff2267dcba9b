-- RFM scores and group names: pure functions, used by init.lua and by the tests.
local M = {}

-- "7,30,90,180" -> {7, 30, 90, 180}, ascending.
function M.parse_edges(text, param)
  local e = {}
  for item in text:gmatch("[^,]+") do
    local v = tonumber(item)
    if not v then
      error(string.format("param %s: '%s' is not a number", param, item), 0)
    end
    e[#e + 1] = v
  end
  if #e ~= 4 then
    error(string.format("param %s: expected 4 edges e1,e2,e3,e4, got %d", param, #e), 0)
  end
  for i = 2, 4 do
    if e[i] < e[i - 1] then
      error(string.format("param %s: edges must not decrease", param), 0)
    end
  end
  return e
end

-- Score 1..5 of v against ascending edges: 1 at or below e1, ..., 5 above e4.
function M.score(v, e)
  if v <= e[1] then return 1 end
  if v <= e[2] then return 2 end
  if v <= e[3] then return 3 end
  if v <= e[4] then return 4 end
  return 5
end

function M.name(r, f, m)
  if r >= 4 and f >= 4 and m >= 4 then return "champions" end
  if f >= 4 and r >= 3 then return "loyal" end
  if r >= 3 then return "potential" end
  if f >= 3 then return "at risk" end
  if r == 2 then return "hibernating" end
  return "lost"
end

return M
