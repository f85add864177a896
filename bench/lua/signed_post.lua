-- POST signed, unique bodies to a connector endpoint. BENCH_BODIES names a file of lines
-- "<X-Cadence-Signature>\t<body>", signed just before the run (v2: timestamp, method, path,
-- body); each thread takes every BENCH_THREADS-th line, so no body is sent twice unless the
-- file runs out (counted as WRAPPED: those requests are replays).
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
require("common")

local lines = {}
local next_line = 1
wrapped = 0

function init(args)
  local threads = tonumber(os.getenv("BENCH_THREADS"))
  local n = 0
  for line in io.lines(os.getenv("BENCH_BODIES")) do
    if n % threads == id then
      local tab = string.find(line, "\t", 1, true)
      table.insert(lines, { string.sub(line, 1, tab - 1), string.sub(line, tab + 1) })
    end
    n = n + 1
  end
end

local path = os.getenv("BENCH_PATH")
local key = "Api-Key " .. os.getenv("BENCH_KEY")
-- "respond-async" asks to be answered later (202 and a Location); empty for the answer now.
local prefer = os.getenv("BENCH_PREFER") or ""

function request()
  if next_line > #lines then
    next_line = 1
    wrapped = wrapped + 1
  end
  local entry = lines[next_line]
  next_line = next_line + 1
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = key,
    ["X-Cadence-Signature"] = entry[1],
  }
  if prefer ~= "" then
    headers["Prefer"] = prefer
  end
  return wrk.format("POST", path, headers, entry[2])
end
