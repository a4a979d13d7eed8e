"""Every label a reader sees, in English (en) and Norwegian bokmål (nb): states, indicators, units,
agencies. Tables and files use the code names; figures, the dashboard and reports use these."""
from __future__ import annotations

STATE_LABELS = {
    "en": {
        "pre_entry": "Under 16",
        "school": "Upper secondary school",
        "apprentice": "Apprentice",
        "ot_followed": "Outside, followed by OT",
        "jobseeker": "Registered job seeker",
        "assessment": "Assessment / guidance",
        "work_measure": "Work-oriented measure",
        "amo_course": "AMO course",
        "adult_vgo": "Adult upper secondary",
        "work": "In work",
        "aap": "Work assessment allowance",
        "disability": "Disability benefit",
        "inactive": "Inactive, unknown to services",
        "tertiary": "Tertiary / vocational college",
        "aged_out": "Aged 67+",
        "sick_leave": "On long sick leave",
        "departed": "Died or emigrated",
    },
    "nb": {
        "pre_entry": "Under 16 år",
        "school": "Elev i videregående",
        "apprentice": "Lærling",
        "ot_followed": "Utenfor, fulgt opp av OT",
        "jobseeker": "Arbeidssøker",
        "assessment": "Kartlegging / veiledning",
        "work_measure": "Arbeidsrettet tiltak",
        "amo_course": "AMO-kurs",
        "adult_vgo": "Videregående for voksne",
        "work": "I arbeid",
        "aap": "AAP",
        "disability": "Uføretrygd",
        "inactive": "Inaktiv",
        "tertiary": "Høyere utdanning / fagskole",
        "aged_out": "67 år og eldre",
        "sick_leave": "Sykmeldt",
        "departed": "Død eller utvandret",
    },
}

INDICATOR_LABELS = {
    "en": {
        "neet_share_youth": "NEET share, {youth}",
        "employment_rate": "Employment rate, 16–66",
        "unemployment_rate": "Registered unemployment rate",
        "youth_unemployment_rate": "Registered unemployment rate, {youth}",
        "long_term_unemployed": "Long-term unemployed",
        "in_nav_measures": "In NAV measures",
    },
    "nb": {
        "neet_share_youth": "Andel utenfor arbeid og utdanning (NEET), {youth}",
        "employment_rate": "Sysselsettingsandel, 16–66 år",
        "unemployment_rate": "Registrert ledighet",
        "youth_unemployment_rate": "Registrert ledighet, {youth}",
        "long_term_unemployed": "Langtidsledige",
        "in_nav_measures": "I NAV-tiltak",
    },
}

# Readable names of the headline indicators (figure panels, printed table). {youth} = "16-24".
HEADLINE_LABELS = {
    "registered_fully_unemployed_rate": "Registered fully unemployed (NAV's helt ledige)",
    "registered_fully_unemployed_rate_16_24": "Registered fully unemployed, 16–24",
    "lfs_unemployment_rate": "Unemployment rate (LFS definition)",
    "employment_rate_25_66": "Employment rate, 25–66 (LFS definition)",
    "neet_16_29": "NEET, 16–29 (SSB register definition)",
    "aap_recipients": "Work assessment allowance (AAP) recipients",
    "disability_recipients": "Disability benefit recipients",
    "vgo_completion_5_6_years": "Upper secondary completed within 5/6 years",
    "employment_rate_final_year": "In work, 16–66 (model: the work state)",
    "unemployment_rate_final_year": "Registered job seekers incl. assessment",
    "youth_unemployment_rate_final_year": "Registered job seekers incl. assessment, {youth}",
    "neet_share_youth_final_year": "NEET share, {youth}",
    "long_term_unemployed_final_year": "Long-term unemployed",
    "mean_nav_spell_weeks": "Mean NAV spell",
    "in_work_12m_after_first_nav_contact": "In work 12 months after first NAV contact",
    "youth_offer_within_deadline": "Youth guarantee: offer in time",
    "vgo_completion_youth": "Upper secondary completion, youth",
    "adult_vgo_completion_nav": "Adult VGO completion, bought by NAV",
    "tertiary_completion_nav": "Higher education completion, NAV measure",
    "immigrant_share_of_jobseekers_final_year": "Immigrants among job seekers",
    "in_nav_measures_final_year": "In NAV measures",
    "unemployment_rate_run_mean": "Registered job seekers incl. assessment, whole run",
    "youth_unemployment_rate_run_mean": "Registered job seekers incl. assessment, {youth}, whole run",
    "cost_nav": "Spending by NAV",
    "cost_county": "Spending by the county",
    "net_public_cost": "Net public cost",
}
UNIT_LABELS = {"share": "%", "persons": "persons", "weeks": "weeks", "NOK bn/yr": "NOK bn/yr"}
DIFF_UNIT_LABELS = {"share": "percentage points", "persons": "persons", "weeks": "weeks", "NOK bn/yr": "NOK bn/yr"}

HEADLINE_LABELS_NB = {
    "registered_fully_unemployed_rate": "Registrerte helt ledige (NAV)",
    "registered_fully_unemployed_rate_16_24": "Registrerte helt ledige, 16–24 år",
    "lfs_unemployment_rate": "Arbeidsledighet (AKU-definisjon)",
    "employment_rate_25_66": "Sysselsettingsandel, 25–66 år (AKU-definisjon)",
    "neet_16_29": "Utenfor arbeid og utdanning, 16–29 år (SSBs registerdefinisjon)",
    "aap_recipients": "Mottakere av arbeidsavklaringspenger (AAP)",
    "disability_recipients": "Mottakere av uføretrygd",
    "vgo_completion_5_6_years": "Fullført videregående innen 5/6 år",
    "employment_rate_final_year": "I arbeid, 16–66 år (modellens arbeidstilstand)",
    "unemployment_rate_final_year": "Registrerte arbeidssøkere inkl. kartlegging",
    "youth_unemployment_rate_final_year": "Registrerte arbeidssøkere inkl. kartlegging, {youth}",
    "neet_share_youth_final_year": "NEET-andel, {youth}",
    "long_term_unemployed_final_year": "Langtidsledige",
    "mean_nav_spell_weeks": "Gjennomsnittlig NAV-forløp",
    "in_work_12m_after_first_nav_contact": "I arbeid 12 måneder etter første NAV-kontakt",
    "youth_offer_within_deadline": "Ungdomsgarantien: tilbud i tide",
    "vgo_completion_youth": "Fullført videregående, unge",
    "adult_vgo_completion_nav": "Fullført vgo for voksne, kjøpt av NAV",
    "tertiary_completion_nav": "Fullført høyere utdanning, NAV-tiltak",
    "immigrant_share_of_jobseekers_final_year": "Innvandrere blant arbeidssøkere",
    "in_nav_measures_final_year": "I NAV-tiltak",
    "unemployment_rate_run_mean": "Registrerte arbeidssøkere inkl. kartlegging, hele perioden",
    "youth_unemployment_rate_run_mean": "Registrerte arbeidssøkere inkl. kartlegging, {youth}, hele perioden",
    "cost_nav": "Utgifter, NAV",
    "cost_county": "Utgifter, fylkeskommunen",
    "net_public_cost": "Netto offentlige utgifter",
}

DIFF_UNIT_LABELS_NB = {"share": "prosentpoeng", "persons": "personer", "weeks": "uker", "NOK bn/yr": "mrd. kr/år"}
AGENCY_LABELS = {
    "en": {"nav": "NAV", "county": "County authority", "municipality": "Municipality", "state": "State"},
    "nb": {"nav": "NAV", "county": "Fylkeskommunen", "municipality": "Kommunen", "state": "Staten"},
}
YOUTH = {"en": ("{age_from}–{age}", "youth"), "nb": ("{age_from}–{age} år", "unge")}


def youth_label(youth_max_age: int | None, language: str = "en") -> str:
    """The youth age band as labels name it: '16–24' ('16–24 år'), or 'youth' when the age is unknown."""
    template, unknown = YOUTH[language]
    return template.format(age_from=16, age=youth_max_age) if youth_max_age else unknown


def headline_label(name: str, youth: str = "youth", language: str = "en") -> str:
    """A readable name: from HEADLINE_LABELS (HEADLINE_LABELS_NB for ``nb``), else the indicator's name in
    words ('cost_nav' -> 'Cost NAV')."""
    labels = HEADLINE_LABELS_NB if language == "nb" else HEADLINE_LABELS
    if name in labels:
        return labels[name].format(youth=youth)
    words = [w.upper() if w in ("nav", "vgo", "aap", "amo", "neet") else w for w in name.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]

# The validation report's figures: the published series and the model's quantities of the same definition.
VALIDATION_LABELS = {
    "en": {
        "registered_fully_unemployed_rate": "NAV registered fully unemployed",
        "registered_fully_unemployed_rate_16_24": "NAV registered fully unemployed, 16–24",
        "lfs_unemployment_rate": "LFS unemployment rate",
        "lfs_unemployment_rate_16_24": "LFS unemployment rate, 15/16–24",
        "published": "published (annual average)",
        "model": "model (90 % interval)",
        "driver": "driver: NAV's path given to the model",
        "share": "% of the labour force",
        "in": "in sample: the cycle's effects were fitted on this episode",
        "out": "out of sample: no fit saw this episode",
        "title": "Replay {episode}",
        "stationarity": "Steady economy: headline shares over {years} years",
        "year": "year",
        "employment_rate": "Employed (LFS), 16–66",
        "registered_unemployed_share": "Registered job seekers, 16–66",
        "neet_share_16_24": "NEET, 16–24",
        "disability_share": "Disability benefit, 16–66",
        "share_of_population": "% of the population",
    },
    "nb": {
        "registered_fully_unemployed_rate": "Registrerte helt ledige (NAV)",
        "registered_fully_unemployed_rate_16_24": "Registrerte helt ledige (NAV), 16–24 år",
        "lfs_unemployment_rate": "AKU-ledighet",
        "lfs_unemployment_rate_16_24": "AKU-ledighet, 15/16–24 år",
        "published": "publisert (årsgjennomsnitt)",
        "model": "modellen (90 % intervall)",
        "driver": "driver: NAVs forløp gitt til modellen",
        "share": "% av arbeidsstyrken",
        "in": "i utvalget: konjunktureffektene ble tilpasset denne episoden",
        "out": "utenfor utvalget: ingen tilpasning så denne episoden",
        "title": "Gjenspilling {episode}",
        "stationarity": "Stabil økonomi: hovedandeler over {years} år",
        "year": "år",
        "employment_rate": "Sysselsatte (AKU), 16–66 år",
        "registered_unemployed_share": "Registrerte arbeidssøkere, 16–66 år",
        "neet_share_16_24": "Utenfor arbeid og utdanning, 16–24 år",
        "disability_share": "Uføretrygd, 16–66 år",
        "share_of_population": "% av befolkningen",
    },
}
