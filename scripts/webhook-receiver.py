#!/usr/bin/env python3
"""A real webhook receiver for the alert tests.

Listens on 127.0.0.1 (a port of its own, printed on the first line of stdout), answers every POST
with 204, and appends each one to the file named by its argument as a JSON line: path, headers
(lower-cased names) and body. The test checks the signatures itself.
"""
import http.server
import json
import sys

out = sys.argv[1]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        record = {
            "path": self.path,
            "headers": {name.lower(): value for name, value in self.headers.items()},
            "body": body.decode("utf-8"),
        }
        with open(out, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
