package live

// luaOT is the transform of ot-text-unicode (package ot's Transform, one
// for one) in Redis's Lua 5.1, so the submit script transforms an op past
// the log itself and a submission costs one round trip that carries only
// the op. TestRedisTransform_MatchesPackageOT checks it against the Go port
// on random ops with emoji and combining marks.
//
// Components are tables {k, n, s}: k 'r' keep n, 'i' insert s (n code
// points), 'd' delete n. Lengths count code points: the bytes of valid
// UTF-8 that are not continuation bytes (Go wrote every op, so the UTF-8
// is valid).
const luaOT = `
local function cplen(s)
  local _, cont = string.gsub(s, '[\128-\191]', '')
  return #s - cont
end

local function parse(raw)
  local op = {}
  for i, c in ipairs(raw) do
    local t = type(c)
    if t == 'number' then op[i] = {k = 'r', n = c}
    elseif t == 'string' then op[i] = {k = 'i', n = cplen(c), s = c}
    else op[i] = {k = 'd', n = c.d} end
  end
  return op
end

local function encode(op)
  local parts = {}
  for i, c in ipairs(op) do
    if c.k == 'r' then parts[i] = string.format('%d', c.n)
    elseif c.k == 'i' then parts[i] = cjson.encode(c.s)
    else parts[i] = '{"d":' .. string.format('%d', c.n) .. '}' end
  end
  return '[' .. table.concat(parts, ',') .. ']'
end

-- append is makeAppend: drop empty pieces, merge into a last of one kind.
local function append(out, c)
  if c.n == 0 then return end
  local last = out[#out]
  if last and last.k == c.k then
    last.n = last.n + c.n
    if c.k == 'i' then last.s = last.s .. c.s end
  else
    out[#out + 1] = {k = c.k, n = c.n, s = c.s}
  end
end

-- transform is ot.Transform(op, other, left): inserts are never split.
local function transform(op, other, left)
  local out, idx, off = {}, 1, 0
  local function take(n)
    local c = op[idx]
    if not c then
      if n < 0 then return nil end
      return {k = 'r', n = n}
    end
    if c.k == 'i' then
      idx, off = idx + 1, 0
      return c
    end
    local rest = c.n - off
    if n < 0 or rest <= n then
      idx, off = idx + 1, 0
      return {k = c.k, n = rest}
    end
    off = off + n
    return {k = c.k, n = n}
  end
  for _, c2 in ipairs(other) do
    if c2.k == 'r' then
      local length = c2.n
      while length > 0 do
        local c1 = take(length)
        append(out, c1)
        if c1.k ~= 'i' then length = length - c1.n end
      end
    elseif c2.k == 'i' then
      if left and op[idx] and op[idx].k == 'i' then append(out, take(-1)) end
      append(out, {k = 'r', n = c2.n})
    else
      local length = c2.n
      while length > 0 do
        local c1 = take(length)
        if c1.k == 'i' then append(out, c1) else length = length - c1.n end
      end
    end
  end
  while true do
    local c = take(-1)
    if not c then break end
    append(out, c)
  end
  if #out > 0 and out[#out].k == 'r' then out[#out] = nil end
  return out
end
`
