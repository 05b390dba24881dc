# Writes OUTPUT: the dashboard page and the OpenAPI document as C++ raw strings.
file(READ ${INPUT} page)
file(READ ${OPENAPI} openapi)
file(WRITE ${OUTPUT} "// Generated from dashboard.html and openapi.json by embed.cmake.\n"
  "#include <string_view>\n"
  "namespace inventory::server {\n"
  "extern const std::string_view kDashboardPage;\n"
  "extern const std::string_view kOpenApi;\n"
  "const std::string_view kDashboardPage = R\"inventory_embed(${page})inventory_embed\";\n"
  "const std::string_view kOpenApi = R\"inventory_embed(${openapi})inventory_embed\";\n"
  "}  // namespace inventory::server\n")
