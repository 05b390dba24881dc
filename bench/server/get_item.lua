-- wrk: GET one inventory item. Set wrk.path through the command line URL.
wrk.headers["Authorization"] = "Bearer " .. os.getenv("INVENTORY_KEY")
