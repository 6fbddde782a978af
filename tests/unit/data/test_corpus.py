import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from birnn.data.corpus import POSITIVE, generate_corpus


def test_same_seed_same_rows_other_seed_other_rows():
    a, b = generate_corpus(300, seed=3), generate_corpus(300, seed=3)
    assert a.equals(b)
    assert not a["text"].equals(generate_corpus(300, seed=4)["text"])


def test_labels_are_balanced_and_noise_is_the_requested_share():
    corpus = generate_corpus(5000, seed=0, label_noise=0.1)
    assert 0.45 < corpus["label"].mean() < 0.55
    assert abs(corpus["noisy"].mean() - 0.1) < 0.02


def test_contrast_is_decided_by_the_clause_after_but():
    corpus = generate_corpus(6000, seed=1)
    plain_pair = r"^the [a-z ]+ was (?!anything )(\w+) but (?:[a-z]+ )*?the [a-z ]+ was (\w+) \.$"
    pairs = corpus[corpus["form"] == "contrast"]["text"].str.extract(plain_pair).dropna()
    assert len(pairs) >= 10
    labels = corpus.loc[pairs.index, "label"]
    assert (pairs[0].isin(POSITIVE).astype(int) != labels).all()
    assert (pairs[1].isin(POSITIVE).astype(int) == labels).all()


def test_bag_of_words_stays_well_below_what_order_allows():
    """Most rows need word order: TF-IDF bigrams + LR cannot get far past chance."""
    corpus = generate_corpus(6000, seed=2)
    train, test = corpus.iloc[:4500], corpus.iloc[4500:]
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2)
    clf = LogisticRegression(max_iter=2000).fit(vec.fit_transform(train["text"]), train["label"])
    accuracy = float(np.mean(clf.predict(vec.transform(test["text"])) == test["label"]))
    assert 0.5 < accuracy < 0.72
