-- mplan.inspect: a value as readable, deterministic text (keys sorted, cycles marked).
--   local inspect = require("mplan.inspect"); mplan.log("%s", inspect(t))
-- mplan eval prints a script's results with it.

local function key_order(a, b)
  local ta, tb = type(a), type(b)
  if ta ~= tb then return ta < tb end
  if ta == "number" or ta == "string" then return a < b end
  return tostring(a) < tostring(b)
end

local function is_identifier(s)
  return type(s) == "string" and s:match("^[%a_][%w_]*$") ~= nil
end

local function inspect(value, indent, seen)
  local t = type(value)
  if t == "string" then return string.format("%q", value) end
  if t ~= "table" then return tostring(value) end
  seen = seen or {}
  if seen[value] then return "<cycle>" end
  seen[value] = true
  indent = indent or ""
  local inner = indent .. "  "
  local n = rawlen(value)
  local keys = {}
  for k in next, value do
    if not (math.type(k) == "integer" and k >= 1 and k <= n) then keys[#keys + 1] = k end
  end
  table.sort(keys, key_order)
  local parts = {}
  for i = 1, n do parts[#parts + 1] = inspect(rawget(value, i), inner, seen) end
  for _, k in ipairs(keys) do
    local name = is_identifier(k) and k or "[" .. inspect(k, inner, seen) .. "]"
    parts[#parts + 1] = name .. " = " .. inspect(rawget(value, k), inner, seen)
  end
  seen[value] = nil
  if #parts == 0 then return "{}" end
  local flat = "{" .. table.concat(parts, ", ") .. "}"
  if #flat <= 72 and not flat:find("\n", 1, true) then return flat end
  return "{\n" .. inner .. table.concat(parts, ",\n" .. inner) .. "\n" .. indent .. "}"
end

return function(value) return inspect(value) end
