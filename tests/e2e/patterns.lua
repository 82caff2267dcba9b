-- Lua pattern cases run twice by tests/e2e/patterns.sh: in mplan's sandbox (its own
-- step-counting matcher) and in the reference lua5.4; both outputs must be identical.
local out = {}

local function show(...)
  local n = select("#", ...)
  local parts = {}
  for i = 1, n do
    local v = select(i, ...)
    parts[#parts + 1] = type(v) == "string" and ("%q"):format(v) or tostring(v)
  end
  return table.concat(parts, ", ")
end

local function try(label, f, ...)
  local r = table.pack(pcall(f, ...))
  if r[1] then
    out[#out + 1] = label .. " -> " .. show(table.unpack(r, 2, r.n))
  else
    out[#out + 1] = label .. " -> error: " .. tostring(r[2])
  end
end

local subjects = {"", "hello world", "  trim me  ", "key=value; k2=v2", "THE (quick) [brown] fox",
  "aaa", "a,b,,c", "2027-01-04..2027-03-14", "x = (a + (b * c)) - d", "THE END the end",
  "tab\there\nnewline", "%d%%", "\0nul\0inside", "ümlaut ß"}
local patterns = {"o", "l+", "l*", "l-", "l?", "^h", "d$", "^$", "%a+", "%A+", "%d+", "%D",
  "%s", "%S+", "%w+", "%W", "%p", "%l+", "%u+", "%x+", "%c", "%g+", "[aeiou]", "[^aeiou ]+",
  "[%a_][%w_]*", "[a-c]+", "[]]", "[^]]+", "[-a]", "(%w+)=(%w+)", "()ll()", "(h)(e)(l)(l)(o)",
  "%((.-)%)", "%b()", "%b[]", "%f[%a]%a+", "%f[%A]", "(%a)%1", "(a*)", ".-", "(.-)%s*$",
  "^%s*(.-)%s*$", "%d%d%d%d%-%d%d%-%d%d", "[%d.]+", "\0", "%z", ".", "..?", "x*$", "%%",
  "[%]]", "(()a)", "a-b", "[a-]", "%.", "[.]", "ü", "[\128-\255]+"}
for _, s in ipairs(subjects) do
  for _, p in ipairs(patterns) do
    try(("find(%q, %q)"):format(s, p), string.find, s, p)
    try(("match(%q, %q)"):format(s, p), string.match, s, p)
  end
end

for _, init in ipairs({-100, -3, -1, 0, 1, 2, 5, 11, 12, 13, 100}) do
  try("find init " .. init, string.find, "hello world", "o", init)
  try("find plain init " .. init, string.find, "hello world", "o w", init, true)
  try("match init " .. init, string.match, "hello world", "(%a+)", init)
  try("find empty init " .. init, string.find, "hello world", "", init)
end
try("find plain specials", string.find, "a+b(c)", "+b(", 1, true)
try("find plain empty", string.find, "abc", "", 10, true)

local function collect(s, p, init)
  local t = {}
  for a, b in string.gmatch(s, p, init) do t[#t + 1] = show(a, b) end
  return table.concat(t, " | ")
end
for _, case in ipairs({{"hello world from lua", "%a+"}, {"k=v, a=b", "(%w+)=(%w+)"},
    {"abc", ""}, {"abc", "()"}, {"a,b,,c", "([^,]*)"}, {"aaa", "a*"}, {"one two", "%a*"},
    {"hello", "^h"}, {"THE (quick) fox", "%b()"}, {"abc", ".", 2}, {"abc", ".", -1},
    {"abc", ".", 10}}) do
  try(("gmatch(%q, %q, %s)"):format(case[1], case[2], tostring(case[3])), collect, case[1], case[2], case[3])
end

local repls = {"<%0>", "%1-%1", "%%", "[%2]", "x", "", {hello = "HI", world = false},
  function(a, b) return b and (b .. a) or a:upper() end, function() return nil end,
  function() return 42 end, "%9", "%z", 7}
for _, s in ipairs({"hello world", "abc", "", "k=v; a=b"}) do
  for _, p in ipairs({"%w+", "(%w+)=(%w+)", "", "^%w", "o", "x*", "()"}) do
    for i, r in ipairs(repls) do
      try(("gsub(%q, %q, repl %d)"):format(s, p, i), string.gsub, s, p, r)
    end
    try(("gsub(%q, %q, max 1)"):format(s, p), string.gsub, s, p, "#", 1)
    try(("gsub(%q, %q, max 0)"):format(s, p), string.gsub, s, p, "#", 0)
  end
end
try("gsub table repl", string.gsub, "$name is $age", "%$(%w+)", {name = "Ann", age = 7})
try("gsub bad repl value", string.gsub, "abc", "%w", function() return {} end)
try("gsub bad repl type", string.gsub, "abc", "%w", true)

for _, p in ipairs({"%", "[a", "[a%", "(", ")", "%b", "%ba", "%f", "%fx", "(()", "%1", "(a)%2",
    "((((((((((((((((((((((((((((((((((a))))))))))))))))))))))))))))))))))",
    ("a?"):rep(300) .. ("a"):rep(300)}) do
  try(("find(malformed %q)"):format(p:sub(1, 40)), string.find, ("a"):rep(300), p)
end
try("method call", function() return ("x=1"):match("(%w)=(%d)") end)
try("number subject", string.find, 12345, "3")

return table.concat(out, "\n")
