"""Look-alike ideas are found by their words, whatever the case, accents and little words."""

from budget.similarity import THRESHOLD, alike, look_alikes, most_alike, normalise

# Ideas modelled on those Namur received, two of them twice in other words.
IDEAS = [
    (1, "Un verger dans les écoles. Planter vingt pommiers et poiriers dans la cour des écoles."),
    (2, "Une piste cyclable le long de la Meuse, de Namur à Dinant, en toute sécurité."),
    (3, "Repair café à Couvin. Un lieu où des bénévoles réparent les appareils des habitants."),
    (4, "Des vergers à l'école : planter des pommiers, des poiriers dans les cours d'écoles."),
    (5, "Bibliothèque en plein air. Des boîtes à livres dans les parcs de Dinant."),
    (6, "Un café réparation à Couvin : des bénévoles aident les habitants à réparer leurs objets."),
    (7, "Fitness en plein air à Ciney. Installer des appareils de sport dans le parc."),
]


def test_case_accents_punctuation_and_little_words_are_set_aside() -> None:
    assert normalise("Des VERGERS à l'École, pour les enfants !") == "vergers ecole enfants"
    assert normalise("Ein Obstgarten für die Schule") == "obstgarten schule"


def test_the_same_idea_in_other_words_is_found_and_unrelated_ideas_are_not() -> None:
    pairs = {(pair.first, pair.second) for pair in look_alikes(IDEAS)}
    assert pairs == {(1, 4), (3, 6)}


def test_pairs_come_most_alike_first_each_once_the_older_idea_first() -> None:
    texts = [
        (12, "Orchard at the school of Jambes: apple trees and pear trees"),
        (7, "Apple trees and pear trees: an orchard at the school of Jambes"),
        (30, "An orchard at the Jambes school with apple trees"),
    ]
    pairs = look_alikes(texts)
    assert [(pair.first, pair.second) for pair in pairs] == [(7, 12), (7, 30), (12, 30)]
    assert pairs[0].score == 100
    assert pairs[0].score >= pairs[1].score >= pairs[2].score >= THRESHOLD


def test_a_lower_threshold_proposes_more_pairs() -> None:
    assert len(look_alikes(IDEAS, threshold=40)) > len(look_alikes(IDEAS))


def test_texts_with_nothing_but_little_words_are_never_alike() -> None:
    assert look_alikes([(1, "Le la les des"), (2, "le la les des"), (3, "!!")]) == []


def test_the_most_alike_ideas_to_one_idea_whatever_their_score() -> None:
    closest = most_alike(1, IDEAS, limit=2)
    assert closest[0][0] == 4
    assert len(closest) == 2
    assert closest[0][1] == alike(IDEAS[0][1], IDEAS[3][1])
    assert closest[0][1] > closest[1][1]
