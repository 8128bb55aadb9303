-- Bounded load on the portal's report and item pages, for wrk (Debian's `wrk`):
--
--   wrk -t1 -cUSERS -dSECONDS -s scripts/load.lua URL -- COOKIE DATE MODE SAMPLE...
--
-- Each connection is one associate asking for pages with no think time, for SECONDS. MODE says
-- which:
--   mix        a fixed mix: the report list, item pages with filters, deep keyset pages,
--              reference searches, single items, the exception queue (SAMPLEs: references)
--   matches    matched items only: pages of matches far into the day, and one match side by side
--   payment    the help desk's lookup by payment id (SAMPLEs: payment ids)
--   reference  the lookup by network reference (SAMPLEs: references)
--   card       the lookup by card last four, amount and date (SAMPLEs: LAST4,AMOUNT,DATE)
--   page       one page alone (SAMPLE: its path) wrk measures latency at the client; this
-- script also reads the server's own time from each answer's `Server-Timing: app;dur=ms` header and
-- counts answers other than 200. It prints figures and asserts nothing.

local cookie, date, mode
local samples = {}
-- Globals, so that done() can read them from the thread (thread:get).
server_ms = {}
failures = 0

function init(args)
  cookie, date, mode = args[1], args[2], args[3]
  for i = 4, #args do samples[#samples + 1] = args[i] end
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
end

local function sample()
  return samples[math.random(#samples)]
end

local function lookup()
  if mode == "payment" then
    return "/lookup?payment_id=" .. sample()
  elseif mode == "reference" then
    return "/lookup?reference=" .. sample()
  end
  local last4, amount, day = sample():match("([^,]+),([^,]+),([^,]+)")
  return "/lookup?last4=" .. last4 .. "&amount=" .. amount .. "&date=" .. day
end

local function matches()
  if math.random() < 0.5 then
    return "/reports/" .. date .. "/items?class=match&after=0%3A" .. math.random(1, 9000000)
  end
  return "/reports/" .. date .. "/items/" .. math.random(1, 9900000)
end

local function path()
  if mode == "page" then
    return samples[1]
  elseif mode == "payment" or mode == "reference" or mode == "card" then
    return lookup()
  elseif mode == "matches" then
    return matches()
  end
  local fixed = {
    "/reports",
    "/reports/" .. date .. "/items",
    "/reports/" .. date .. "/items?class=mismatch",
    "/reports/" .. date .. "/items?class=mismatch&reason=amount_differs",
    "/reports/" .. date .. "/items?class=resettlement&network=visa",
    "/reports/" .. date .. "/items?sort=-amount",
    "/reports/" .. date .. "/items?currency=USD&min=100&max=200",
    "/exceptions",
  }
  local r = math.random()
  if r < 0.15 and #samples > 0 then
    return "/reports/" .. date .. "/items?reference=" .. sample()
  elseif r < 0.35 then
    -- A deep page: keyset positions far into the day.
    return "/reports/" .. date .. "/items?after=0%3A" .. math.random(1, 9000000)
  elseif r < 0.45 then
    -- One item beside its record and payment (each view is written to the audit trail).
    return "/reports/" .. date .. "/items/" .. math.random(1, 9900000)
  end
  return fixed[math.random(#fixed)]
end

function request()
  return wrk.format("GET", path(), { ["Cookie"] = cookie, ["Accept"] = "text/html" })
end

function response(status, headers, body)
  if status ~= 200 then failures = failures + 1 end
  local timing = headers["Server-Timing"] or headers["server-timing"]
  local ms = timing and tonumber(timing:match("dur=([%d.]+)"))
  if ms then server_ms[#server_ms + 1] = ms end
end

local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

function done(summary, latency, requests)
  local all, errors = {}, 0
  for _, thread in ipairs(threads) do
    for _, ms in ipairs(thread:get("server_ms")) do all[#all + 1] = ms end
    errors = errors + thread:get("failures")
  end
  table.sort(all)
  local function q(f) return all[math.min(#all, math.floor(f * #all) + 1)] or 0 end
  local seconds = summary.duration / 1e6
  io.write(string.format("%d answers in %.1f s (%.0f requests/s), %d not 200, %d socket errors\n",
    summary.requests, seconds, summary.requests / seconds, errors,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
  io.write(string.format("client latency ms: p50 %.1f  p95 %.1f  p99 %.1f  max %.1f\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
  io.write(string.format("server time ms:    p50 %.1f  p95 %.1f  p99 %.1f  max %.1f  (%d answers)\n",
    q(0.50), q(0.95), q(0.99), all[#all] or 0, #all))
end
