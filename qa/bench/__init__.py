"""`qa bench` and the measuring tools it shares with the scripts and tests; nothing here is on the serving path.

- `text`: real sentences recombined into N passages;
- `vectors`: the model's, composed or projected passage vectors;
- `measure`: the one percentile definition, latency summaries, memory, recall;
- `server`: the one "serve the app in a thread on a free port" helper;
- `run`: `run_bench()` → `BenchResult`; `report`: its text and JSON.
"""
