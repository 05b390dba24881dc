# The dashboard page and the OpenAPI document of inventory-server (both compiled into the binary).
# Included from tests/server/CMakeLists.txt.
#   server.openapi    openapi.json against --print-routes, GET /openapi.json and live answers.
#   server.dashboard  GET / in headless Chromium (/usr/bin/chromium, Debian package `chromium`):
#                     an API change shows in the page within 2 s.
add_test(NAME server.openapi
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/openapi_test.py)
set_tests_properties(server.openapi PROPERTIES
  ENVIRONMENT "INVENTORY_SERVER=$<TARGET_FILE:inventory-server>"
  LABELS server
  TIMEOUT 120)

add_test(NAME server.dashboard
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/dashboard_test.py)
set_tests_properties(server.dashboard PROPERTIES
  ENVIRONMENT "INVENTORY_SERVER=$<TARGET_FILE:inventory-server>"
  LABELS server
  TIMEOUT 180)
