from birnn.messages import cap, excerpt, excerpts


def test_short_values_are_shown_whole():
    assert excerpt("label") == "label" and excerpts(["text", "label"]) == "['text', 'label']"


def test_long_values_keep_both_ends_and_say_how_much_is_left_out():
    shown = excerpt("a" * 10 + "x" * 1_000_000 + "z" * 10)
    assert len(shown) < 120 and shown.startswith("aaaaaaaaaa") and shown.endswith("zzzzzzzzzz")
    assert "characters]" in shown


def test_long_lists_are_cut_and_counted():
    assert excerpts([str(i) for i in range(50)]).endswith("... and 40 more]")


def test_a_message_is_capped():
    assert len(cap("e" * 50_000_000)) < 2100
