<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr_FR" sourcelanguage="en">
<context>
    <name>AbandonedScreen</name>
    <message>
        <location filename="../screens/endings.py" line="99"/>
        <source>Thank you</source>
        <translation>Merci</translation>
    </message>
    <message>
        <location filename="../screens/endings.py" line="100"/>
        <source>Close</source>
        <translation>Fermer</translation>
    </message>
    <message>
        <location filename="../screens/endings.py" line="107"/>
        <source>The patient did not agree to a teleconsultation; that is their right. Only the refusal is kept, nothing else about the patient.</source>
        <translation>Le patient n&apos;a pas accepté la téléconsultation : c&apos;est son droit. Seul ce refus est conservé, rien d&apos;autre sur le patient.</translation>
    </message>
    <message>
        <location filename="../screens/endings.py" line="112"/>
        <source>The session has ended. The patient may leave the cabin.</source>
        <translation>La séance est terminée. Le patient peut quitter la cabine.</translation>
    </message>
</context>
<context>
    <name>ConsentScreen</name>
    <message>
        <location filename="../screens/consent.py" line="46"/>
        <source>Before we start</source>
        <translation>Avant de commencer</translation>
    </message>
    <message>
        <location filename="../screens/consent.py" line="49"/>
        <source>Does the patient agree to the teleconsultation?</source>
        <translation>Le patient accepte-t-il la téléconsultation ?</translation>
    </message>
    <message>
        <location filename="../screens/consent.py" line="50"/>
        <source>Back</source>
        <translation>Retour</translation>
    </message>
    <message>
        <location filename="../screens/consent.py" line="51"/>
        <source>No, the patient refuses</source>
        <translation>Non, le patient refuse</translation>
    </message>
    <message>
        <location filename="../screens/consent.py" line="52"/>
        <source>Yes, the patient agrees</source>
        <translation>Oui, le patient accepte</translation>
    </message>
</context>
<context>
    <name>HomeScreen</name>
    <message>
        <location filename="../screens/home.py" line="49"/>
        <source>Start a teleconsultation</source>
        <translation>Commencer une téléconsultation</translation>
    </message>
    <message>
        <location filename="../screens/home.py" line="51"/>
        <source>Interrupted sessions: touch one to resume it where it stopped</source>
        <translation>Séances interrompues : touchez-en une pour la reprendre là où elle s&apos;est arrêtée</translation>
    </message>
    <message>
        <location filename="../screens/home.py" line="53"/>
        <source>Sign out</source>
        <translation>Se déconnecter</translation>
    </message>
    <message>
        <location filename="../screens/home.py" line="57"/>
        <source>Hello {name}</source>
        <translation>Bonjour {name}</translation>
    </message>
    <message>
        <location filename="../screens/home.py" line="66"/>
        <source>patient not identified yet</source>
        <translation>patient pas encore identifié</translation>
    </message>
    <message>
        <location filename="../screens/home.py" line="67"/>
        <source>Resume: {who} (step: {step})</source>
        <translation>Reprendre : {who} (étape : {step})</translation>
    </message>
</context>
<context>
    <name>IdentifyScreen</name>
    <message>
        <location filename="../screens/identify.py" line="56"/>
        <source>Family name</source>
        <translation>Nom de famille</translation>
    </message>
    <message>
        <location filename="../screens/identify.py" line="57"/>
        <source>Given names</source>
        <translation>Prénom(s)</translation>
    </message>
    <message>
        <location filename="../screens/identify.py" line="58"/>
        <source>Date of birth (day/month/year)</source>
        <translation>Date de naissance (jour/mois/année)</translation>
    </message>
    <message>
        <location filename="../screens/identify.py" line="59"/>
        <source>Social security number (optional)</source>
        <translation>Numéro de sécurité sociale (facultatif)</translation>
    </message>
    <message>
        <location filename="../screens/identify.py" line="60"/>
        <source>Treating physician (optional)</source>
        <translation>Médecin traitant (facultatif)</translation>
    </message>
    <message>
        <location filename="../screens/identify.py" line="64"/>
        <source>dd/mm/yyyy</source>
        <translation>jj/mm/aaaa</translation>
    </message>
    <message>
        <location filename="../screens/identify.py" line="65"/>
        <source>Sex</source>
        <translation>Sexe</translation>
    </message>
    <message>
        <location filename="../screens/identify.py" line="66"/>
        <source>Female</source>
        <translation>Femme</translation>
    </message>
    <message>
        <location filename="../screens/identify.py" line="67"/>
        <source>Male</source>
        <translation>Homme</translation>
    </message>
    <message>
        <location filename="../screens/identify.py" line="68"/>
        <source>Other</source>
        <translation>Autre</translation>
    </message>
    <message>
        <location filename="../screens/identify.py" line="69"/>
        <source>Cancel the session</source>
        <translation>Annuler la séance</translation>
    </message>
    <message>
        <location filename="../screens/identify.py" line="70"/>
        <source>Next</source>
        <translation>Suivant</translation>
    </message>
</context>
<context>
    <name>IdleOverlay</name>
    <message>
        <location filename="../main_window.py" line="63"/>
        <source>Are you still there?</source>
        <translation>Êtes-vous toujours là ?</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="65"/>
        <source>Without a touch, the session will be paused in {n} seconds.</source>
        <translation>Sans action de votre part, la séance sera mise en pause dans {n} secondes.</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="69"/>
        <source>Yes, continue</source>
        <translation>Oui, continuer</translation>
    </message>
</context>
<context>
    <name>MeasureScreen</name>
    <message>
        <location filename="../screens/measure.py" line="53"/>
        <source>Measurements</source>
        <translation>Mesures</translation>
    </message>
    <message>
        <location filename="../screens/measure.py" line="55"/>
        <source>Blood pressure</source>
        <translation>Tension artérielle</translation>
    </message>
    <message>
        <location filename="../screens/measure.py" line="56"/>
        <source>Temperature</source>
        <translation>Température</translation>
    </message>
    <message>
        <location filename="../screens/measure.py" line="57"/>
        <source>Oxygen (SpO2) and pulse</source>
        <translation>Oxygène (SpO2) et pouls</translation>
    </message>
    <message>
        <location filename="../screens/measure.py" line="58"/>
        <source>Otoscope</source>
        <translation>Otoscope</translation>
    </message>
    <message>
        <location filename="../screens/measure.py" line="61"/>
        <source>not connected</source>
        <translation>non branché</translation>
    </message>
    <message>
        <location filename="../screens/measure.py" line="62"/>
        <source>No measuring device is connected to this cabin yet.</source>
        <translation>Aucun appareil de mesure n&apos;est encore branché sur cette cabine.</translation>
    </message>
    <message>
        <location filename="../screens/measure.py" line="63"/>
        <source>Back</source>
        <translation>Retour</translation>
    </message>
    <message>
        <location filename="../screens/measure.py" line="64"/>
        <source>End the session</source>
        <translation>Terminer la séance</translation>
    </message>
    <message>
        <location filename="../screens/measure.py" line="80"/>
        <source>{age} years</source>
        <translation>{age} ans</translation>
    </message>
    <message>
        <location filename="../screens/measure.py" line="83"/>
        <source>SSN {nir}</source>
        <translation>NIR {nir}</translation>
    </message>
</context>
<context>
    <name>Messages</name>
    <message>
        <location filename="../messages.py" line="20"/>
        <source>Please fill in this field.</source>
        <translation>Merci de remplir ce champ.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="21"/>
        <source>Too long: {max} characters at most.</source>
        <translation>Trop long : {max} caractères au maximum.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="22"/>
        <source>Only letters, spaces, hyphens and apostrophes, please.</source>
        <translation>Seulement des lettres, espaces, traits d&apos;union et apostrophes, s&apos;il vous plaît.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="25"/>
        <source>Please choose one of the answers.</source>
        <translation>Merci de choisir une des réponses.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="26"/>
        <source>Write the date as day/month/year, e.g. 24/06/1952.</source>
        <translation>Écrivez la date sous la forme jour/mois/année, par exemple 24/06/1952.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="27"/>
        <source>This date does not exist ({day}/{month}/{year}). Please check it.</source>
        <translation>Cette date n&apos;existe pas ({day}/{month}/{year}). Merci de la vérifier.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="30"/>
        <source>This date is in the future.</source>
        <translation>Cette date est dans le futur.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="31"/>
        <source>This date is too far in the past. Please check the year.</source>
        <translation>Cette date est trop ancienne. Merci de vérifier l&apos;année.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="34"/>
        <source>A social security number has 15 characters (13 + 2-digit key); {length} found.</source>
        <translation>Un numéro de sécurité sociale compte 15 caractères (13 + une clé de 2 chiffres) ; il y en a {length}.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="38"/>
        <source>Only digits, please (2A or 2B for Corsica, in 6th and 7th place).</source>
        <translation>Seulement des chiffres (2A ou 2B pour la Corse, en 6e et 7e position).</translation>
    </message>
    <message>
        <location filename="../messages.py" line="41"/>
        <source>The first digit must be 1 or 2.</source>
        <translation>Le premier chiffre doit être 1 ou 2.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="42"/>
        <source>Digits 4 and 5 (month of birth) are not valid.</source>
        <translation>Les chiffres 4 et 5 (mois de naissance) ne sont pas valables.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="43"/>
        <source>Digits 6 and 7 (department of birth) are not valid.</source>
        <translation>Les chiffres 6 et 7 (département de naissance) ne sont pas valables.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="46"/>
        <source>The last two digits (the key) do not match the number: check each digit.</source>
        <translation>Les deux derniers chiffres (la clé) ne correspondent pas au numéro : vérifiez chaque chiffre.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="49"/>
        <source>The number says a birth year ending in {nir_year}, but the date of birth is {birth_year}.</source>
        <translation>Le numéro indique une année de naissance finissant par {nir_year}, mais la date de naissance est {birth_year}.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="53"/>
        <source>The month in the number does not match the month of birth.</source>
        <translation>Le mois indiqué dans le numéro ne correspond pas au mois de naissance.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="56"/>
        <source>Please answer every question.</source>
        <translation>Merci de répondre à chaque question.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="58"/>
        <source>This answer is not valid.</source>
        <translation>Cette réponse n&apos;est pas valable.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="64"/>
        <source>Wrong PIN. Please try again.</source>
        <translation>Code PIN incorrect. Merci de réessayer.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="65"/>
        <source>Too many wrong PINs. The screen is locked for {seconds} seconds.</source>
        <translation>Trop de codes PIN incorrects. L&apos;écran est verrouillé pendant {seconds} secondes.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="68"/>
        <source>The data file could not be read. It was kept aside, untouched ({path}), and the kiosk started with a new one. Please tell your technician.</source>
        <translation>Le fichier de données n&apos;a pas pu être lu. Il a été mis de côté sans être modifié ({path}) et la borne a démarré avec un nouveau fichier. Merci de prévenir votre technicien.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="73"/>
        <source>This session can no longer be resumed.</source>
        <translation>Cette séance ne peut plus être reprise.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="74"/>
        <source>This step could not be saved, so the screen has not changed. Please try again; if it happens again, call your technician.</source>
        <translation>Cette étape n&apos;a pas pu être enregistrée : l&apos;écran n&apos;a donc pas changé. Merci de réessayer ; si cela se reproduit, appelez votre technicien.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="79"/>
        <source>This action is not possible at this step.</source>
        <translation>Cette action n&apos;est pas possible à cette étape.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="80"/>
        <source>This step needs the previous ones first.</source>
        <translation>Cette étape demande d&apos;abord les précédentes.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="83"/>
        <source>Something went wrong ({code}).</source>
        <translation>Un problème est survenu ({code}).</translation>
    </message>
    <message>
        <location filename="../messages.py" line="90"/>
        <source>Home</source>
        <translation>Accueil</translation>
    </message>
    <message>
        <location filename="../messages.py" line="91"/>
        <source>Identity</source>
        <translation>Identité</translation>
    </message>
    <message>
        <location filename="../messages.py" line="92"/>
        <source>Consent</source>
        <translation>Consentement</translation>
    </message>
    <message>
        <location filename="../messages.py" line="93"/>
        <source>Reason for the visit</source>
        <translation>Motif de consultation</translation>
    </message>
    <message>
        <location filename="../messages.py" line="94"/>
        <source>Measurements</source>
        <translation>Mesures</translation>
    </message>
    <message>
        <location filename="../messages.py" line="95"/>
        <source>Waiting for a doctor</source>
        <translation>En attente d&apos;un médecin</translation>
    </message>
    <message>
        <location filename="../messages.py" line="96"/>
        <source>With the doctor</source>
        <translation>Avec le médecin</translation>
    </message>
    <message>
        <location filename="../messages.py" line="97"/>
        <source>Report</source>
        <translation>Compte rendu</translation>
    </message>
    <message>
        <location filename="../messages.py" line="98"/>
        <source>Cleaning</source>
        <translation>Nettoyage</translation>
    </message>
    <message>
        <location filename="../messages.py" line="99"/>
        <source>Emergency referral</source>
        <translation>Orientation vers les urgences</translation>
    </message>
    <message>
        <location filename="../messages.py" line="100"/>
        <source>Ended</source>
        <translation>Terminée</translation>
    </message>
    <message>
        <location filename="../messages.py" line="101"/>
        <source>Out of service</source>
        <translation>Hors service</translation>
    </message>
    <message>
        <location filename="../messages.py" line="108"/>
        <source>Fever</source>
        <translation>Fièvre</translation>
    </message>
    <message>
        <location filename="../messages.py" line="109"/>
        <source>Cough, cold</source>
        <translation>Toux, rhume</translation>
    </message>
    <message>
        <location filename="../messages.py" line="110"/>
        <source>Sore throat</source>
        <translation>Mal de gorge</translation>
    </message>
    <message>
        <location filename="../messages.py" line="111"/>
        <source>Ear pain</source>
        <translation>Douleur à l&apos;oreille</translation>
    </message>
    <message>
        <location filename="../messages.py" line="112"/>
        <source>Urinary problem</source>
        <translation>Problème urinaire</translation>
    </message>
    <message>
        <location filename="../messages.py" line="113"/>
        <source>Skin problem</source>
        <translation>Problème de peau</translation>
    </message>
    <message>
        <location filename="../messages.py" line="114"/>
        <source>Red or sore eye</source>
        <translation>Œil rouge ou douloureux</translation>
    </message>
    <message>
        <location filename="../messages.py" line="115"/>
        <source>Stomach, digestion</source>
        <translation>Ventre, digestion</translation>
    </message>
    <message>
        <location filename="../messages.py" line="116"/>
        <source>Back pain</source>
        <translation>Mal de dos</translation>
    </message>
    <message>
        <location filename="../messages.py" line="117"/>
        <source>Headache</source>
        <translation>Mal de tête</translation>
    </message>
    <message>
        <location filename="../messages.py" line="118"/>
        <source>Prescription renewal</source>
        <translation>Renouvellement d&apos;ordonnance</translation>
    </message>
    <message>
        <location filename="../messages.py" line="119"/>
        <source>Other reason</source>
        <translation>Autre motif</translation>
    </message>
    <message>
        <location filename="../messages.py" line="126"/>
        <source>Pain or tightness in the chest?</source>
        <translation>Une douleur ou une oppression dans la poitrine ?</translation>
    </message>
    <message>
        <location filename="../messages.py" line="127"/>
        <source>Great difficulty breathing?</source>
        <translation>Une grande difficulté à respirer ?</translation>
    </message>
    <message>
        <location filename="../messages.py" line="128"/>
        <source>Face drooping, arm weakness or trouble speaking, even briefly?</source>
        <translation>Un visage qui se déforme, un bras qui faiblit ou du mal à parler, même peu de temps ?</translation>
    </message>
    <message>
        <location filename="../messages.py" line="131"/>
        <source>Heavy bleeding that does not stop?</source>
        <translation>Un saignement important qui ne s&apos;arrête pas ?</translation>
    </message>
    <message>
        <location filename="../messages.py" line="132"/>
        <source>Fainted or lost consciousness?</source>
        <translation>Un malaise avec perte de connaissance ?</translation>
    </message>
    <message>
        <location filename="../messages.py" line="133"/>
        <source>Swelling of the face or throat, or a severe allergic reaction?</source>
        <translation>Un gonflement du visage ou de la gorge, ou une forte réaction allergique ?</translation>
    </message>
    <message>
        <location filename="../messages.py" line="136"/>
        <source>Thoughts of ending their life?</source>
        <translation>Des idées de mettre fin à ses jours ?</translation>
    </message>
    <message>
        <location filename="../messages.py" line="137"/>
        <source>Pregnant, with bleeding or belly pain?</source>
        <translation>Une grossesse, avec des saignements ou des douleurs au ventre ?</translation>
    </message>
    <message>
        <location filename="../messages.py" line="146"/>
        <source>A teleconsultation is a real medical consultation with a doctor, by video. The doctor sees and hears you, and sees the measurements taken here.</source>
        <translation>Une téléconsultation est une vraie consultation médicale, avec un médecin, par vidéo. Le médecin vous voit, vous entend et voit les mesures prises ici.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="151"/>
        <source>Only the doctor, the assistant beside you and your own doctors see your data. They are protected by medical confidentiality.</source>
        <translation>Seuls le médecin, l&apos;assistant à vos côtés et vos propres médecins voient vos données. Elles sont protégées par le secret médical.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="156"/>
        <source>The assistant stays with you during the whole consultation to help you.</source>
        <translation>L&apos;assistant reste avec vous pendant toute la consultation pour vous aider.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="159"/>
        <source>You may stop at any moment, without giving a reason.</source>
        <translation>Vous pouvez arrêter à tout moment, sans donner de raison.</translation>
    </message>
</context>
<context>
    <name>PlaceholderScreen</name>
    <message>
        <location filename="../screens/endings.py" line="139"/>
        <source>This step is not available on this kiosk yet.</source>
        <translation>Cette étape n&apos;est pas encore disponible sur cette borne.</translation>
    </message>
    <message>
        <location filename="../screens/endings.py" line="140"/>
        <source>End the session</source>
        <translation>Terminer la séance</translation>
    </message>
    <message>
        <location filename="../screens/endings.py" line="141"/>
        <source>Next step</source>
        <translation>Étape suivante</translation>
    </message>
</context>
<context>
    <name>ReferredScreen</name>
    <message>
        <location filename="../screens/endings.py" line="59"/>
        <source>Call the emergency services now</source>
        <translation>Appelez les secours maintenant</translation>
    </message>
    <message>
        <location filename="../screens/endings.py" line="62"/>
        <source>A teleconsultation is not suitable for this patient. Call the number above and stay with the patient until help arrives.</source>
        <translation>La téléconsultation ne convient pas à ce patient. Appelez le numéro ci-dessus et restez avec le patient jusqu&apos;à l&apos;arrivée des secours.</translation>
    </message>
    <message>
        <location filename="../screens/endings.py" line="66"/>
        <source>Close</source>
        <translation>Fermer</translation>
    </message>
    <message>
        <location filename="../screens/endings.py" line="71"/>
        <source>Emergency signs reported:</source>
        <translation>Signes d&apos;urgence signalés :</translation>
    </message>
</context>
<context>
    <name>SignInScreen</name>
    <message>
        <location filename="../screens/signin.py" line="63"/>
        <source>Assistant sign-in</source>
        <translation>Connexion de l&apos;assistant</translation>
    </message>
    <message>
        <location filename="../screens/signin.py" line="64"/>
        <source>Touch your name, then type your PIN.</source>
        <translation>Touchez votre nom, puis tapez votre code PIN.</translation>
    </message>
    <message>
        <location filename="../screens/signin.py" line="67"/>
        <source>No assistant is registered yet. A technician adds one with the command: kiosk assistant add NAME</source>
        <translation>Aucun assistant n&apos;est encore enregistré. Un technicien en ajoute un avec la commande : kiosk assistant add NOM</translation>
    </message>
    <message>
        <location filename="../screens/signin.py" line="87"/>
        <source>Interrupted sessions waiting: {n}. Sign in to resume them.</source>
        <translation>Séances interrompues en attente : {n}. Connectez-vous pour les reprendre.</translation>
    </message>
    <message>
        <location filename="../screens/signin.py" line="113"/>
        <source>{n} tries left before the screen locks.</source>
        <translation>Encore {n} essai(s) avant le verrouillage de l&apos;écran.</translation>
    </message>
    <message>
        <location filename="../screens/signin.py" line="125"/>
        <source>First touch your name.</source>
        <translation>Touchez d&apos;abord votre nom.</translation>
    </message>
</context>
<context>
    <name>TriageScreen</name>
    <message>
        <location filename="../screens/triage.py" line="79"/>
        <source>Signs of an emergency</source>
        <translation>Signes d&apos;urgence</translation>
    </message>
    <message>
        <location filename="../screens/triage.py" line="80"/>
        <source>Ask the patient each question. Does the patient have:</source>
        <translation>Posez chaque question au patient. Le patient a-t-il :</translation>
    </message>
    <message>
        <location filename="../screens/triage.py" line="83"/>
        <source>Yes</source>
        <translation>Oui</translation>
    </message>
    <message>
        <location filename="../screens/triage.py" line="84"/>
        <source>No</source>
        <translation>Non</translation>
    </message>
    <message>
        <location filename="../screens/triage.py" line="85"/>
        <location filename="../screens/triage.py" line="93"/>
        <source>Back</source>
        <translation>Retour</translation>
    </message>
    <message>
        <location filename="../screens/triage.py" line="86"/>
        <location filename="../screens/triage.py" line="94"/>
        <source>Continue</source>
        <translation>Continuer</translation>
    </message>
    <message>
        <location filename="../screens/triage.py" line="87"/>
        <source>Reason for the visit</source>
        <translation>Motif de consultation</translation>
    </message>
    <message>
        <location filename="../screens/triage.py" line="91"/>
        <source>In the patient&apos;s words (optional, required for &apos;Other reason&apos;)</source>
        <translation>Avec les mots du patient (facultatif, obligatoire pour « Autre motif »)</translation>
    </message>
</context>
</TS>
