"""birnn: compare bidirectional RNN cells and merge modes for text sentiment, as a DAG."""
