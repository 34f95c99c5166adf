"""An OTLP/HTTP metrics receiver for tests/live_otlp.rs, on 127.0.0.1.

It decodes each POST to /v1/metrics with the OpenTelemetry project's own Python protobuf classes
(PyPI `opentelemetry-proto`, not code of ours), as a collector's OTLP receiver would: a body that
is not an ExportMetricsServiceRequest is a 400, a content type other than protobuf a 415. It keeps
every decoded request and serves them as JSON (protobuf's canonical JSON mapping) on GET /requests,
so the test can check what arrived. It prints its port on the first line of stdout and serves
until killed or for at most 10 minutes.
"""

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)

RECEIVED = []
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path != "/v1/metrics":
            return self.answer(404, b"not found", "text/plain")
        if self.headers.get("Content-Type") != "application/x-protobuf":
            return self.answer(415, b"only application/x-protobuf", "text/plain")
        request = ExportMetricsServiceRequest()
        try:
            request.ParseFromString(body)
        except DecodeError as e:
            return self.answer(400, str(e).encode(), "text/plain")
        with LOCK:
            RECEIVED.append(json_format.MessageToDict(request))
        self.answer(200, ExportMetricsServiceResponse().SerializeToString(), "application/x-protobuf")

    def do_GET(self):
        if self.path != "/requests":
            return self.answer(404, b"not found", "text/plain")
        with LOCK:
            body = json.dumps(RECEIVED).encode()
        self.answer(200, body, "application/json")

    def answer(self, status, body, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    threading.Timer(600, server.shutdown).start()
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
