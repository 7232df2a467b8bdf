"""Small, general word lists for learner questions in French and English.

Every entry is lowercase and accent-free, because lookups happen after accents are stripped.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Function words and politeness/filler that never tell two questions apart.
STOP_FR = _words(
    """
    entre jai jsuis chui cest ya quil quils jsp jpeux jarrive narrive narrivons arrive arrives arriver
    arrivons
    arrivez arrivent aura aurai auras aurez aurons auront aurait auraient seront serai serez serons beaucoup
    espere esperer allez vais va voulais voulait pense penser crois trouver trouve trouvent
    trouvez obtenir recuperer disponible disponibles dispo utiliser voir mettre prendre donner chercher
    a ai aie aient aies ait as au aucun aucune aupres aussi autre autres aux avais avait avec avez aviez
    avoir avons ayant bah ben bien bonjour bonsoir c ca car ce ceci cela celle celles celui cependant
    ces cet cette ceux chaque chez ci coucou comme comment d dans de des deja desole desolee dois doit
    donc dont du elle elles en encore es est et etaient etais etait etant ete etes etre eu eux faire
    fais fait faut hello hui il ils j je jusqu l la le les leur leurs lors lorsqu lui m ma mais me meme
    mes moi mon n ne ni nos notre nous on ont ou oui par parce pas peu peut peuvent peux plus pour
    pourquoi pourrais pourrait pouvez pouvons pu puis puisqu qu quand que quel quelle quelles quels qui
    quoi quoiqu s sa salut sans se sera serait ses si sinon soit sommes son sont sous stp suis sur svp t
    ta te tes toi ton tous tout toute toutes tres tu un une vos votre vous vu y merci mercii remerci
    voila voici deja alors ainsi ok okay bref svp stp slt bjr cc coucou quelqu quelque chose
    chose question questions aide aider besoin veux veut voulons voulez veulent voudrais voudrait
    voudrions savoir sais sait savez connaitre trop vraiment juste genre
    """
)

STOP_EN = _words(
    """
    dont cant im ive id youre theyre thats hows doesnt isnt arent wasnt werent didnt wont wouldnt shouldnt
    couldnt havent hasnt aint gonna wanna hope hoping ask asking asked think guess try trying tried wanted
    wants find found finding available use using see put take give look looking search searching
    a about above after again all also am an and any are as at be because been before being below
    between both but by can cannot could couldn did do does doing done down during each either else ever
    every few for from further get gets getting got had has have having he her here hers herself him
    himself his how i if in into is it its itself just let lets like me might more most much must my
    myself no nor not now of off on once only or other our ours ourselves out over own please pls plz
    same shall she should so some such than that the their theirs them themselves then there these they
    this those through thus to too under until up upon us very was we were what whats when where whether
    which while who whom whose why will with within without would yes yet you your yours yourself
    yourselves u ur hi hey hello thanks thank thx ty anyone anybody someone somebody something anything
    question questions help need needs know want wondering wonder guys folks everyone dear sir madam
    kindly asap btw idk tbh okay ok well really actually maybe possible soon
    """
)

STOP_WORDS = STOP_FR | STOP_EN

# Strong cues for language detection (accent-free); shared words (a, on, est...) are left out.
FR_CUES = _words(
    """
    et de en entre un par ou ca cest
    le la les des du au aux une est sont je tu il nous vous ils elle pour dans avec sur pas que qui quoi
    comment pourquoi quand quel quelle mon ma mes ton ta tes son sa ses ce cette ces ne plus peut faut
    avoir etre fait faire mais ou donc car chez sans sous suis es etes ai avez bonjour merci svp stp
    """
)
EN_CUES = _words(
    """
    the is are am was were i you he she it we they my your his her its our their to of and in for with
    at this that these those how what why when where which who do does did can could would should will
    not have has had be been get please thanks hi hello any there from
    """
)

# Multi-word expressions folded into one token before tokenisation (regex-free: matched on word boundaries).
PHRASES: dict[str, str] = {
    # Forgetting a password and resetting it are one question.
    "forgot my password": "reset password",
    "forgot password": "reset password",
    "forgotten password": "reset password",
    "lost my password": "reset password",
    "oublie mon mot de passe": "reinitialiser motdepasse",
    "oublie le mot de passe": "reinitialiser motdepasse",
    "oublie son mot de passe": "reinitialiser motdepasse",
    "mot de passe oublie": "reinitialiser motdepasse",
    "perdu mon mot de passe": "reinitialiser motdepasse",
    "mot de passe": "motdepasse",
    "mots de passe": "motdepasse",
    "travaux pratiques": "tp",
    "travaux diriges": "td",
    "date limite": "deadline",
    "date butoir": "deadline",
    "due date": "deadline",
    "e mail": "email",
    "as soon as possible": "",
    "des que possible": "",
    "au plus vite": "",
    "le plus vite possible": "",
    "s il vous plait": "",
    "s il te plait": "",
    "log in": "login",
    "logged in": "login",
    "logging in": "login",
    "logged out": "logout",
    "logging out": "logout",
    "sign in": "login",
    "log out": "logout",
    "sign out": "logout",
    "sign up": "signup",
    "quelqu un": "",
    "quelque chose": "",
    "quelque part": "",
    "est ce que": "",
    "est ce qu": "",
    "a quelle heure": "heure",
    "emploi du temps": "horaire",
    "thank you": "",
    "a lieu": "",
    "aura lieu": "",
    "ont lieu": "",
    "auront lieu": "",
    "avoir lieu": "",
    "aurait lieu": "",
    "due to": "",
    "merci d avance": "",
    "merci avance": "",
    "merci par avance": "",
    "thanks in advance": "",
    "thank you in advance": "",
    "n importe": "",
    "aujourd hui": "aujourdhui",
    "ce soir": "aujourdhui",
}

# Abbreviations and chat spellings, mapped to a full word (then stemmed) or to "" (dropped).
ABBREVIATIONS: dict[str, str] = {
    "pb": "probleme",
    "pbs": "probleme",
    "pbm": "probleme",
    "pbl": "probleme",
    "prob": "probleme",
    "probs": "problem",
    "qqn": "",
    "qqun": "",
    "qq1": "",
    "qqch": "",
    "qqc": "",
    "qlq": "",
    "svp": "",
    "stp": "",
    "slt": "",
    "bjr": "",
    "asap": "",
    "pls": "",
    "plz": "",
    "thx": "",
    "mdp": "motdepasse",
    "pwd": "motdepasse",
    "info": "information",
    "infos": "information",
    "prof": "professeur",
    "profs": "professeur",
    "exo": "exercice",
    "exos": "exercice",
    "dispo": "disponible",
    "dispos": "disponible",
    "doc": "document",
    "docs": "document",
    "appli": "application",
    "app": "application",
    "apps": "application",
    "ordi": "ordinateur",
    "rdv": "rendezvous",
    "dm": "devoir",
    "exam": "examen",
    "exams": "examen",
    "hw": "homework",
    "uni": "universite",
    "fac": "universite",
    "pc": "ordinateur",
    "msg": "message",
    "mail": "email",
    "mails": "email",
    "courriel": "email",
    "courriels": "email",
    "diapo": "slide",
    "diapos": "slide",
    "diaporama": "slide",
    "slides": "slide",
    "cad": "",
    "chap": "chapitre",
    "chapt": "chapitre",
    "qqpart": "",
    "qqp": "",
    "tt": "tout",
    "bcp": "beaucoup",
    "pk": "pourquoi",
    "pq": "pourquoi",
    "pcq": "parce",
    "jsp": "",
    "tjrs": "toujours",
    "tjs": "toujours",
    "ds": "dans",
    "ac": "avec",
    "vs": "",
    "w": "with",
    "b4": "before",
}

# Number words folded into digits so "devoir deux" and "devoir 2" agree. "un/une/one" are articles: left out.
NUMBER_WORDS: dict[str, str] = {
    "deux": "2",
    "trois": "3",
    "quatre": "4",
    "cinq": "5",
    "six": "6",
    "sept": "7",
    "huit": "8",
    "neuf": "9",
    "dix": "10",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "premier": "1",
    "premiere": "1",
    "first": "1",
    "deuxieme": "2",
    "second": "2",
    "seconde": "2",
    "troisieme": "3",
    "third": "3",
    "quatrieme": "4",
    "fourth": "4",
    "cinquieme": "5",
    "fifth": "5",
}

# Days and months name a specific session like numbers do ("séance de lundi" is not "séance de mardi"), in
# both languages. "may" (modal verb) and three-letter abbreviations are left out as too ambiguous.
CALENDAR: dict[str, str] = {
    word: f"@{tag}"
    for tag, words in {
        "d1": ("lundi", "monday"),
        "d2": ("mardi", "tuesday"),
        "d3": ("mercredi", "wednesday"),
        "d4": ("jeudi", "thursday"),
        "d5": ("vendredi", "friday"),
        "d6": ("samedi", "saturday"),
        "d7": ("dimanche", "sunday"),
        "m1": ("janvier", "january"),
        "m2": ("fevrier", "february"),
        "m3": ("mars", "march"),
        "m4": ("avril", "april"),
        "m5": ("mai",),
        "m6": ("juin", "june"),
        "m7": ("juillet", "july"),
        "m8": ("aout", "august"),
        "m9": ("septembre", "september"),
        "m10": ("octobre", "october"),
        "m11": ("novembre", "november"),
        "m12": ("decembre", "december"),
        "today": ("aujourdhui", "today", "tonight"),
        "tomorrow": ("demain", "tomorrow"),
        "yesterday": ("hier", "yesterday"),
    }.items()
    for word in words
}

# Bilingual concepts of a learning community: every form maps to one token, so "prof" meets "teacher" and
# "devoir" meets "assignment". Forms are stemmed with both stemmers when the table is loaded.
CONCEPTS: dict[str, tuple[str, ...]] = {
    "teacher": (
        "professeur",
        "professor",
        "teacher",
        "enseignant",
        "enseignante",
        "formateur",
        "formatrice",
        "trainer",
        "tuteur",
        "tutrice",
        "tutor",
        "instructor",
    ),
    "exercise": ("exercice", "exercise"),
    "problem": ("probleme", "problem", "souci", "soucis"),
    "information": ("information", "renseignement"),
    "assignment": ("devoir", "devoirs", "homework", "assignment", "assignments"),
    "course": ("cours", "course", "courses", "lecon", "lesson"),
    "exam": ("examen", "exam", "examination", "partiel"),
    "deadline": ("deadline", "echeance", "due"),
    "password": ("motdepasse", "password"),
    "email": ("email", "emails"),
    "submit": (
        "soumettre",
        "submit",
        "submission",
        "soumission",
        "remettre",
        "rendre",
        "rendu",
        "rend",
        "rends",
        "rendent",
        "rendus",
        "rendue",
        "deposer",
        "depot",
    ),
    "certificate": ("certificat", "certificate", "attestation"),
    "register": (
        "inscrire",
        "inscription",
        "inscrit",
        "inscrite",
        "register",
        "registration",
        "enroll",
        "enrol",
        "enrolment",
        "enrollment",
        "signup",
    ),
    "unregister": ("desinscrire", "desinscription", "desinscrit", "unregister", "unenroll", "unsubscribe"),
    "login": ("login", "connexion", "connecter", "logon"),
    "logout": ("logout", "deconnexion", "deconnecter"),
    "download": ("telecharger", "telechargement", "download"),
    "upload": ("televerser", "televersement", "upload"),
    "file": ("fichier", "file"),
    "slide": ("slide", "transparent"),
    "recording": (
        "replay",
        "enregistrement",
        "recording",
        "record",
        "enregistrer",
        "enregistre",
        "rediffusion",
    ),
    "lab": ("tp", "lab", "labs"),
    "forget": ("oublier", "oublie", "forget", "forgot", "forgotten"),
    "reset": ("reinitialiser", "reinitialisation", "reset"),
    "grade": ("grade", "grades", "notation"),
    "student": ("etudiant", "etudiante", "student", "apprenant", "apprenante", "learner", "eleve", "pupil"),
    "schedule": ("horaire", "schedule", "timetable", "planning", "calendrier", "calendar"),
    "week": ("semaine", "week"),
    "video": ("video", "videos"),
    "link": ("lien", "liens", "link", "links"),
    "error": ("erreur", "erreurs", "error", "errors"),
    "folder": ("dossier", "dossiers", "folder", "folders", "repertoire", "directory"),
    "account": ("compte", "comptes", "account", "accounts"),
    "session": ("seance", "seances", "session", "sessions"),
    "meeting": ("reunion", "reunions", "meeting", "meetings", "visio", "visioconference"),
    "team": ("equipe", "equipes", "team", "teams", "groupe", "groupes", "group", "groups"),
    "channel": ("salon", "salons", "channel", "channels", "canal"),
    "change": ("changer", "modifier", "change", "switch", "modify", "modification", "changement"),
    "mandatory": ("obligatoire", "mandatory", "required", "compulsory", "requis", "requise", "obligatory"),
    "attendance": ("presence", "attendance", "assiduite"),
    "math": ("mathematiques", "mathematique", "mathematics", "math", "maths"),
    "statistics": ("statistiques", "statistique", "statistics", "stats", "stat"),
    "works": (
        "fonctionne",
        "fonctionnent",
        "fonctionner",
        "marche",
        "marchent",
        "marcher",
        "working",
        "works",
    ),
    "access": ("acces", "acceder", "access"),
    "computer": ("ordinateur", "computer", "laptop"),
    "enable": ("activer", "activation", "enable", "activate", "activation"),
    "disable": ("desactiver", "desactivation", "disable", "deactivate", "deactivation"),
    "add": ("ajouter", "ajout", "add", "adding"),
    "remove": ("supprimer", "suppression", "retirer", "remove", "removal", "delete", "deletion", "effacer"),
    "open": ("ouvrir", "ouverture", "ouvert", "ouverte", "open", "opening"),
    "close": ("fermer", "fermeture", "close", "closing", "closed"),
    "accept": ("accepter", "accept", "accepted", "acceptation"),
    "refuse": ("refuser", "refus", "refuse", "reject", "rejeter", "rejected", "rejet"),
}

# Concepts that mean the opposite of each other: sharing everything else does not make two questions one.
OPPOSITE_CONCEPTS: tuple[tuple[str, str], ...] = (
    ("register", "unregister"),
    ("login", "logout"),
    ("download", "upload"),
    ("enable", "disable"),
    ("add", "remove"),
    ("open", "close"),
    ("accept", "refuse"),
)

# Prefixes that negate or reverse a word (desinscrire, unlock): fuzzy matching never bridges them.
NEGATING_PREFIXES = ("des", "dis", "de", "un", "in", "im", "il", "ir", "non", "anti", "mal", "mis")
