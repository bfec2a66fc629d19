"""Write ``examples/demo_chats.json``: the second demo person's ChatGPT export.

"Maya" is made up; every word here was written for the demo. Her history is a dozen
ordinary conversations (dinners, a sourdough starter, a spreadsheet formula, a wedding
trip, running shoes, a landlord email, presents). Among them she says what matters to her:
she is vegetarian, hates coriander, avoids crowds, prefers trains, wants short answers
and has wide feet. Some of it is stated outright, some in passing, one is a choice among
the options the assistant offered, one a correction of a long answer, one a prompt she
edited; one answer was regenerated. The assistant says "sounds good" a lot.

Run from the repository root after changing the conversations below:

    .venv/bin/python scripts/demo_chats.py
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from mindprint.testing.chatgpt_export import answer, ask, conversation, dumps

OUT = Path(__file__).resolve().parents[1] / "examples" / "demo_chats.json"


def _t(day: str) -> float:
    return datetime.fromisoformat(f"{day}T19:12:00").replace(tzinfo=timezone.utc).timestamp()


def conversations() -> list[dict[str, Any]]:
    c = conversation
    return [
        c("Quick weeknight dinners", _t("2025-09-08"), [
            ask("Any quick weeknight dinner ideas? 30 minutes max. I don't eat meat or fish, "
                "I've been vegetarian for about ten years."),
            answer(
                "Sounds good! Here are five vegetarian dinners that come together in about 30 "
                "minutes:\n\n"
                "1. **Chickpea and spinach curry**: chickpeas simmered with tomatoes, garam "
                "masala and spinach, finished with fresh coriander.\n"
                "2. **Halloumi traybake**: peppers, courgette and red onion roasted with "
                "halloumi slices.\n"
                "3. **Mushroom stroganoff**: mushrooms in a paprika and sour cream sauce over "
                "rice or tagliatelle.\n"
                "4. **Black bean tacos**: spiced beans, quick-pickled onions, avocado and lime.\n"
                "5. **Pesto gnocchi**: pan-fried gnocchi with pesto, peas and lemon.\n\n"
                "Want a shopping list for any of these?"),
            ask("The stroganoff and the gnocchi look good. Skip anything with coriander "
                "though. I hate coriander, it tastes like soap to me."),
            answer(
                "Noted, no coriander! Shopping list for both:\n\n"
                "- 400 g chestnut mushrooms\n- 1 onion, 2 garlic cloves\n- smoked paprika\n"
                "- 150 ml sour cream\n- 500 g gnocchi\n- a jar of pesto\n- 200 g frozen peas\n"
                "- 1 lemon\n\nBoth keep well as leftovers for lunch the next day."),
            ask("Perfect, thanks!"),
        ]),
        c("Reviving a sourdough starter", _t("2025-09-20"), [
            ask("My sourdough starter has been in the fridge for a month. How do I bring it back?"),
            answer(
                "Great question! A month in the fridge is no problem for a mature starter. "
                "Here's everything you need to know.\n\n"
                "**What you'll see.** A layer of grey or brownish liquid (\"hooch\") on top is "
                "alcohol made by hungry yeast. It is harmless. Pink or orange streaks, or fuzzy "
                "mould, are not: if you see those, start again.\n\n"
                "**Why it works.** Cold slows the yeast and bacteria down without killing them; "
                "a few feeds at room temperature wake them up.\n\n"
                "**The feeding schedule.** Pour off the hooch, keep about 50 g of starter and "
                "discard the rest, then feed it 50 g of flour and 50 g of lukewarm water. Keep "
                "it somewhere around 24-26 °C. Repeat every 12 hours.\n\n"
                "**How long it takes.** Usually two to four feeds. It's ready when it doubles "
                "within 4-6 hours of a feed, smells pleasantly sour and passes the float test.\n\n"
                "**Troubleshooting.** If it stays sluggish, switch to wholemeal or rye flour for "
                "a feed or two, use filtered water, and make sure your kitchen isn't too cold. "
                "Sounds good? Let me know how it goes!"),
            ask("Too long, sorry. Keep your answers short from now on, just the steps."),
            answer("1. Pour off the liquid.\n2. Keep 50 g, discard the rest.\n"
                   "3. Feed 50 g flour + 50 g water.\n4. Repeat every 12 h until it doubles."),
            ask("Much better, thank you."),
        ]),
        c("London to Lyon for a wedding", _t("2025-10-02"), [
            ask("I'm going from London to Lyon in May for a friend's wedding. What are my "
                "options for getting there?"),
            answer(
                "Sounds good! There are three main ways:\n\n"
                "1. **Fly** from Heathrow or Gatwick to Lyon Saint-Exupéry (about 1 h 45), "
                "then the Rhônexpress tram into the city.\n"
                "2. **Train**: Eurostar to Paris, then a TGV from Gare de Lyon (about 5 h in "
                "total, city centre to city centre).\n"
                "3. **Coach** via Paris (around 15 hours, the cheapest option).\n\n"
                "If you book early, the train often costs about the same as flying."),
            ask("I'll go with the Eurostar and the TGV. I much prefer trains to flying."),
            answer(
                "Great choice! Eurostar tickets open about six months ahead, so May tickets "
                "go on sale in November. Leave at least 90 minutes in Paris to cross from Gare "
                "du Nord to Gare de Lyon on RER D."),
            ask("Thanks, I'll book it as soon as they open."),
        ]),
        c("New running shoes", _t("2025-10-15"), [
            ask("I'm training for my first half marathon in March and my running shoes are "
                "worn out. I need a wide toe box, my feet are really wide and most shoes pinch."),
            answer(
                "Sounds good! For a wide forefoot, look at shoes that come in a 2E width or "
                "have a foot-shaped toe box:\n\n"
                "- **Kestrel Roam** (wide fit): cushioned daily trainer, roomy toe box, 280 g.\n"
                "- **Fenwick Stride 9 2E**: stable and durable, a little heavier at 310 g.\n"
                "- **Alder Flow**: zero drop with a very wide toe box; takes a few weeks to "
                "get used to.\n\n"
                "Try them in the afternoon, when your feet are at their largest."),
            ask("The Kestrel Roam in the wide fit looks like the best option for me."),
            answer("Nice pick. Most runners replace daily trainers every 600-800 km, so it "
                   "should see you through March."),
            ask("Great, ordering them now."),
        ]),
        c("Counting paid invoices in Excel", _t("2025-10-28"), [
            ask("In Excel, how do I count the cells in column B that contain the word 'paid'?"),
            answer("Use COUNTIF with wildcards:\n\n`=COUNTIF(B:B, \"*paid*\")`\n\nIt isn't "
                   "case-sensitive, so it also counts \"Paid\" and \"PAID\". Sounds good?"),
            ask("That worked, thanks. And if I want to add up the amounts in column C for those rows?"),
            answer("Use SUMIF with the same condition:\n\n`=SUMIF(B:B, \"*paid*\", C:C)`"),
            ask("Brilliant, that's exactly it."),
        ]),
        c("Long weekend in Lisbon", _t("2025-11-09"), [
            ask("Plan a long weekend in Lisbon for me in April. I avoid crowds whenever I can, "
                "so skip the big sunset viewpoints and anything with long queues.",
                edited_from=[(
                    "Plan a long weekend in Lisbon for me in April.",
                    "Here's a classic three-day plan:\n\n**Day 1**: Alfama, the castle and the "
                    "Miradouro de Santa Luzia at sunset.\n**Day 2**: Belém (the tower, the "
                    "monastery, pastéis de nata at the famous bakery).\n**Day 3**: Tram 28 and "
                    "a day trip to Sintra's Pena Palace.",
                )]),
            answer(
                "Sounds good! Here's a quieter plan:\n\n"
                "**Day 1**: Campo de Ourique in the morning (local market, no tour groups), "
                "then the Gulbenkian museum and its garden.\n"
                "**Day 2**: Walk the riverside from Cais do Sodré to the MAAT early, before the "
                "day-trippers; lunch in a tasca in Alcântara.\n"
                "**Day 3**: Sintra on a weekday, starting at Monserrate Palace, which sees a "
                "fraction of Pena's visitors."),
            ask("Love it. One more thing: how do we get to Sintra without a car?"),
            answer("Take the train from Rossio station: about 40 minutes, every 20 minutes, "
                   "and it's covered by the Navegante card. From Sintra station the 435 bus "
                   "goes to Monserrate."),
            ask("Great, thanks."),
        ]),
        c("Email to the landlord about a tap", _t("2025-11-20"), [
            ask("Can you help me write a short email to my landlord about a leaking kitchen "
                "tap? It's been dripping for two weeks."),
            answer(
                "Subject: Leaking kitchen tap\n\nHi Mr Hughes,\n\nThe kitchen tap at Flat 3 has "
                "been dripping constantly for about two weeks, and it's getting worse. Could "
                "you arrange for someone to look at it? I'm home most evenings after 6.\n\n"
                "Thanks,\nMaya",
                regenerated_from=[
                    "Dear Landlord,\n\nI am writing to formally notify you of a maintenance issue "
                    "at the property. I wish to bring to your attention that the kitchen tap has "
                    "developed a persistent leak over the preceding fortnight. Under the terms of "
                    "the tenancy agreement and your statutory repairing obligations, I would be "
                    "grateful if you could arrange for a qualified plumber to attend at your "
                    "earliest convenience. Please do not hesitate to contact me should you "
                    "require any further information.\n\nYours faithfully,",
                ]),
            ask("Good, I'll send that."),
        ]),
        c("How much protein", _t("2025-12-03"), [
            ask("I weigh about 62 kg and run four times a week. How much protein should I be "
                "eating, and where do I get it without meat?"),
            answer(
                "For someone who runs regularly, about 1.2-1.6 g of protein per kg of body "
                "weight a day is a good target: roughly 75-100 g for you.\n\nGood vegetarian "
                "sources:\n- Greek yoghurt (10 g per 100 g)\n- eggs (6 g each)\n- lentils and "
                "chickpeas (9 g per 100 g cooked)\n- tofu and tempeh (12-19 g per 100 g)\n"
                "- cottage cheese (11 g per 100 g)"),
            ask("Eggs and Greek yoghurt are easy for me. I'm not a fan of tofu, the texture "
                "puts me off."),
            answer("Sounds good! Then a yoghurt breakfast, eggs at lunch and lentils at dinner "
                   "get you to about 80 g without any tofu."),
            ask("Thanks."),
        ]),
        c("Strasbourg Christmas market", _t("2025-12-10"), [
            ask("Is the Christmas market in Strasbourg worth it? Honestly, big crowds make me "
                "anxious."),
            answer(
                "It's beautiful, but on December weekends it's one of the most crowded places "
                "in France. Some alternatives nearby:\n\n"
                "1. **Strasbourg on a weekday morning**: the same market, far fewer people.\n"
                "2. **Colmar**: smaller, very pretty, 30 minutes away by train.\n"
                "3. **Gengenbach**, across the border: a tiny town whose town hall is an "
                "advent calendar."),
            ask("Colmar on a weekday sounds like the best option then."),
            answer("Good call. Trains from Strasbourg to Colmar run about every half hour."),
            ask("Thank you!"),
        ]),
        c("Birthday present for Dad", _t("2026-01-05"), [
            ask("What's a good birthday present for my dad? He's 68 and loves gardening and "
                "birdwatching."),
            answer(
                "Sounds good! A few ideas:\n\n1. A pair of 8x42 binoculars for the garden.\n"
                "2. A bird feeder with a camera that sends photos of each visitor to his phone.\n"
                "3. A personalised garden kneeler and tool set."),
            ask("The bird feeder camera, he'll love that."),
            answer("He will! Look for one with a solar panel so he never has to charge it."),
            ask("Thanks!"),
        ]),
        c("A free day in Paris", _t("2026-02-01"), [
            ask("We'll have a free day in Paris before the Eurostar home. Any ideas for a day trip?"),
            answer(
                "Sounds good! Four easy day trips:\n\n"
                "1. **Versailles** (RER C, 40 min): spectacular, but very busy.\n"
                "2. **Giverny** (train + shuttle, 1 h 15): Monet's garden, best from April.\n"
                "3. **Chantilly** (train from Gare du Nord, 25 min): a château, a forest and "
                "usually quiet.\n"
                "4. **Reims** (TGV, 45 min): the cathedral and champagne cellars."),
            ask("Let's go for Chantilly, it sounds the most relaxed."),
            answer("Chantilly it is. Trains leave Gare du Nord about every hour; the château "
                   "is a 20-minute walk through the park from the station."),
            ask("Lovely, thanks."),
        ]),
    ]


def main() -> None:
    OUT.write_text(dumps(conversations()), encoding="utf-8")
    print(f"wrote {OUT.relative_to(OUT.parents[1])}")


if __name__ == "__main__":
    main()
