# Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
#
# End-to-end tests of inventory-server's live streams (SSE, WebSocket), webhooks and SSRF guard,
# crash safety under load (SIGKILL) and TLS. Included from tests/server/CMakeLists.txt. Each test
# starts its own server processes on loopback ports with temporary data directories (no shared
# fixture); the scripts use only the Python standard library (tls_test.py also runs `openssl`).

set(_inventory_server_live_tests
  # name                     script             timeout (s)
  server_live_streams        live_test.py       120
  server_webhooks            webhook_test.py    120
  server_crash               crash_test.py      180
  server_tls                 tls_test.py        60
)
if(INVENTORY_PYTHON3)
  set(_inventory_live_python ${INVENTORY_PYTHON3})
else()
  set(_inventory_live_python /usr/bin/python3)
endif()
while(_inventory_server_live_tests)
  list(POP_FRONT _inventory_server_live_tests _name _script _timeout)
  add_test(NAME ${_name} COMMAND ${_inventory_live_python} ${CMAKE_CURRENT_SOURCE_DIR}/${_script})
  set_tests_properties(${_name} PROPERTIES
    ENVIRONMENT "INVENTORY_SERVER=$<TARGET_FILE:inventory-server>"
    LABELS server
    TIMEOUT ${_timeout})
endwhile()
unset(_inventory_live_python)
unset(_name)
unset(_script)
unset(_timeout)
