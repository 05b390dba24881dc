# Smoke test of inventory-bench (ctest inventory_bench_smoke, label integration): every workload
# on the engine, and two on SQLite, each for 0.2 s, closed loop and through the completion form,
# sync and in memory. Fails unless every run printed its JSON line with oversold 0 and
# invariant_violations 0.
#
#   cmake -DBENCH=path/to/inventory-bench -DDIR=data-dir -P smoke_test.cmake
set(common --seconds 0.2 --items 20000 --durability sync,none --in-flight 1,64 --json --dir ${DIR})
set(runs "inventory|all|20" "sqlite|flash_sale,cart|8")
foreach(run IN LISTS runs)
  string(REPLACE "|" ";" run "${run}")
  list(GET run 0 engine)
  list(GET run 1 workloads)
  list(GET run 2 expected)
  execute_process(COMMAND ${BENCH} --engine ${engine} --workload ${workloads} ${common}
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  message("${out}${err}")
  string(REGEX MATCHALL "\"engine\": \"${engine}\"[^\n]*\"oversold\": 0, \"invariant_violations\": 0}"
         good "${out}")
  list(LENGTH good count)
  if(NOT rc EQUAL 0 OR NOT count EQUAL expected)
    message(FATAL_ERROR "inventory-bench --engine ${engine}: exit ${rc}, ${count} of ${expected} "
                        "runs with oversold 0 and invariant_violations 0")
  endif()
endforeach()
file(REMOVE_RECURSE ${DIR})
