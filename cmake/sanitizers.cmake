# INVENTORY_SANITIZE=address,undefined | thread: instruments everything built here.
if(INVENTORY_SANITIZE)
  string(REPLACE "," ";" _inventory_sanitizers "${INVENTORY_SANITIZE}")
  set(_flags "-fsanitize=${INVENTORY_SANITIZE}" -fno-omit-frame-pointer)
  if("undefined" IN_LIST _inventory_sanitizers)
    list(APPEND _flags -fno-sanitize-recover=all)
  endif()
  if("thread" IN_LIST _inventory_sanitizers)
    # Boost.Asio's fenced blocks use atomic_thread_fence, which TSan does not model; GCC warns
    # at every use. Its queues are mutex-protected, which TSan does model.
    list(APPEND _flags -Wno-tsan)
  endif()
  add_compile_options(${_flags})
  add_link_options("-fsanitize=${INVENTORY_SANITIZE}")
endif()
