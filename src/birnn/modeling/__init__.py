"""Models: build, pretrain word vectors, train, evaluate, and the files of models/<variant>/."""
