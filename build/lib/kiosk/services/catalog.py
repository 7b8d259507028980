"""Product categories the counter rings up; card products allow or forbid them."""

CATEGORIES = ("药品", "保健品", "医疗器械", "日用品", "其他")
DEFAULT_CATEGORY = "药品"
