-- wrk: a mixed read load on subreg (list, filtered list, entries, 304s, history, feed).
local paths = {
  "/v1/subprocessors", "/v1/subprocessors?country=US", "/v1/subprocessors/aws",
  "/v1/subprocessors/zendesk/history", "/v1/feed.atom", "/v1/changes?since=2020-01-01",
  "/v1/reference/countries", "/healthz",
}
local i = 0
request = function()
  i = i + 1
  if i % 5 == 0 and etag then
    return wrk.format("GET", "/v1/subprocessors", { ["If-None-Match"] = etag })
  end
  return wrk.format("GET", paths[(i % #paths) + 1])
end
response = function(status, headers, body)
  if headers["ETag"] and not etag then etag = headers["ETag"] end
end
