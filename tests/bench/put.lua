-- wrk script: PUT an entry (the file named by ENTRY, id taken from it) with a different
-- purpose on every request, so that every request is a real write.
-- usage: ENTRY=e.xml TOKEN=t wrk -s tests/bench/put.lua -c N ... http://host:port
local f = assert(io.open(os.getenv("ENTRY")))
local xml = f:read("*a")
f:close()
local id = xml:match('id="([^"]+)"')
local token = os.getenv("TOKEN")
local n = 0
local tag = tostring(math.random(1, 1000000))

request = function()
  n = n + 1
  local body = xml:gsub("<purpose>", "<purpose>[" .. tag .. "-" .. n .. "] ", 1)
  return wrk.format("PUT", "/v1/subprocessors/" .. id,
    {["Content-Type"] = "application/xml", ["Authorization"] = "Bearer " .. token}, body)
end

done = function(summary, latency, requests)
  io.write(string.format("writes=%d non2xx=%d p50_ms=%.2f p99_ms=%.2f\n", summary.requests,
    summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
