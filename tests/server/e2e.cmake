# Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
#
# End-to-end route tests and the authorization matrix of inventory-server (included from
# tests/server/CMakeLists.txt, which defines the fixture tests server_e2e_start/server_e2e_stop).
#   server_e2e_routes   e2e_test.py against the shared fixture server (FIXTURES_REQUIRED)
#   server_auth_matrix  auth_matrix_test.py, which starts its own server
if(NOT TARGET inventory-server)
  return()
endif()

add_test(NAME server_e2e_routes
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e_test.py)
set_tests_properties(server_e2e_routes PROPERTIES
  ENVIRONMENT "INVENTORY_SERVER=$<TARGET_FILE:inventory-server>;INVENTORY_SERVER_FIXTURE=${CMAKE_CURRENT_BINARY_DIR}/server-fixture.json"
  FIXTURES_REQUIRED server_e2e
  LABELS server
  TIMEOUT 120)

add_test(NAME server_auth_matrix
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/auth_matrix_test.py)
set_tests_properties(server_auth_matrix PROPERTIES
  ENVIRONMENT "INVENTORY_SERVER=$<TARGET_FILE:inventory-server>"
  LABELS server
  TIMEOUT 120)
