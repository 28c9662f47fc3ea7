"""moto_server with one request at a time.

moto answers requests on parallel threads and has no lock around its backends, so a conditional
write can race another one, and a cancelled DynamoDB TransactWriteItems restores a snapshot of
the whole table taken when it began, undoing writes that other requests made meanwhile
(moto/dynamodb/models/__init__.py, transact_write_items). Real DynamoDB is linearizable per item
and never does this. Serialising requests here gives the emulator the semantics the product relies
on (conditional writes and transactions that do not lose concurrent writes), while connections
stay concurrent and keep-alive. Arguments are moto_server's own (-H HOST -p PORT ...).
"""

import sys
import threading

import moto.server as server

_lock = threading.Lock()
_dispatch = server.DomainDispatcherApplication.__call__


def _serial(self, environ, start_response):
    with _lock:
        result = _dispatch(self, environ, start_response)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
    return [body]


server.DomainDispatcherApplication.__call__ = _serial

if __name__ == "__main__":
    server.main(sys.argv[1:])
