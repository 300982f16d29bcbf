<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr_FR" sourcelanguage="en">
<context>
    <name>AbandonedScreen</name>
    <message>
        <location filename="../screens/endings.py" line="86"/>
        <source>Thank you</source>
        <translation>Merci</translation>
    </message>
    <message>
        <location filename="../screens/endings.py" line="87"/>
        <source>Close</source>
        <translation>Fermer</translation>
    </message>
    <message>
        <location filename="../screens/endings.py" line="94"/>
        <source>The patient did not agree to a teleconsultation; that is their right. Only the refusal is kept, nothing else about the patient.</source>
        <translation>Le patient n&apos;a pas accepté la téléconsultation : c&apos;est son droit. Seul ce refus est conservé, rien d&apos;autre sur le patient.</translation>
    </message>
    <message>
        <location filename="../screens/endings.py" line="99"/>
        <source>The session has ended. The patient may leave the cabin.</source>
        <translation>La séance est terminée. Le patient peut quitter la cabine.</translation>
    </message>
</context>
<context>
    <name>CallScreen</name>
    <message>
        <location filename="../screens/call.py" line="421"/>
        <source>Waiting for the doctor&apos;s picture...</source>
        <translation>En attente de l&apos;image du médecin…</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="422"/>
        <source>No camera picture</source>
        <translation>Pas d&apos;image de la caméra</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="424"/>
        <source>Hang up</source>
        <translation>Raccrocher</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="448"/>
        <source>Back to the video</source>
        <translation>Retour à la vidéo</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="448"/>
        <source>Measurements</source>
        <translation>Mesures</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="455"/>
        <source>The doctor is waiting for an answer ({n}): see the video page.</source>
        <translation>Le médecin attend une réponse ({n}) : voir la page vidéo.</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="480"/>
        <source>In consultation with {doctor}</source>
        <translation>En consultation avec {doctor}</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="483"/>
        <source>The doctor is joining the call...</source>
        <translation>Le médecin rejoint l&apos;appel…</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="484"/>
        <source>The doctor sees the otoscope&apos;s picture.</source>
        <translation>Le médecin voit l&apos;image de l&apos;otoscope.</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="491"/>
        <source>Connection to the doctor lost: reconnecting... Stay in front of the screen.</source>
        <translation>Connexion avec le médecin perdue : reconnexion… Restez devant l&apos;écran.</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="495"/>
        <source>{n} item(s) waiting to be sent to the doctor: nothing is lost, they leave as soon as the connection is back.</source>
        <translation>{n} envoi(s) en attente pour le médecin : rien n&apos;est perdu, ils partiront dès le retour de la connexion.</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="520"/>
        <source>The doctor asks:</source>
        <translation>Le médecin demande :</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="522"/>
        <source>Not now</source>
        <translation>Pas maintenant</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="523"/>
        <source>Start</source>
        <translation>Commencer</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="527"/>
        <source>This cabin cannot do this.</source>
        <translation>Cette cabine ne peut pas le faire.</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="529"/>
        <source>Finish the current measurement first.</source>
        <translation>Terminez d&apos;abord la mesure en cours.</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="538"/>
        <source>Device {status}: tell the doctor, then touch &quot;Not now&quot;.</source>
        <translation>Appareil {status} : prévenez le médecin, puis touchez « Pas maintenant ».</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="559"/>
        <source>Hang up? The doctor will no longer see or hear the patient.</source>
        <translation>Raccrocher ? Le médecin ne verra et n&apos;entendra plus le patient.</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="560"/>
        <source>Yes, hang up</source>
        <translation>Oui, raccrocher</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="561"/>
        <source>No, stay in the call</source>
        <translation>Non, rester en ligne</translation>
    </message>
</context>
<context>
    <name>ConfirmOverlay</name>
    <message>
        <location filename="../widgets/confirm.py" line="72"/>
        <source>End the session? The measurements already taken are kept.</source>
        <translation>Terminer la séance ? Les mesures déjà prises sont conservées.</translation>
    </message>
    <message>
        <location filename="../widgets/confirm.py" line="73"/>
        <source>Yes, end it</source>
        <translation>Oui, terminer</translation>
    </message>
    <message>
        <location filename="../widgets/confirm.py" line="74"/>
        <source>No, continue</source>
        <translation>Non, continuer</translation>
    </message>
</context>
<context>
    <name>ConsentScreen</name>
    <message>
        <location filename="../screens/consent.py" line="42"/>
        <source>Before we start</source>
        <translation>Avant de commencer</translation>
    </message>
    <message>
        <location filename="../screens/consent.py" line="45"/>
        <source>Does the patient agree to the teleconsultation?</source>
        <translation>Le patient accepte-t-il la téléconsultation ?</translation>
    </message>
    <message>
        <location filename="../screens/consent.py" line="46"/>
        <source>Back</source>
        <translation>Retour</translation>
    </message>
    <message>
        <location filename="../screens/consent.py" line="47"/>
        <source>No, the patient refuses</source>
        <translation>Non, le patient refuse</translation>
    </message>
    <message>
        <location filename="../screens/consent.py" line="48"/>
        <source>Yes, the patient agrees</source>
        <translation>Oui, le patient accepte</translation>
    </message>
</context>
<context>
    <name>DeviceCard</name>
    <message>
        <location filename="../screens/technician.py" line="164"/>
        <source>− 1 month</source>
        <translation>− 1 mois</translation>
    </message>
    <message>
        <location filename="../screens/technician.py" line="165"/>
        <source>+ 1 month</source>
        <translation>+ 1 mois</translation>
    </message>
    <message>
        <location filename="../screens/technician.py" line="166"/>
        <source>+ 1 year</source>
        <translation>+ 1 an</translation>
    </message>
    <message>
        <location filename="../screens/technician.py" line="167"/>
        <source>Set date</source>
        <translation>Valider</translation>
    </message>
    <message>
        <location filename="../screens/technician.py" line="168"/>
        <source>Test this device</source>
        <translation>Tester cet appareil</translation>
    </message>
    <message>
        <location filename="../screens/technician.py" line="188"/>
        <source>in service</source>
        <translation>en service</translation>
    </message>
    <message>
        <location filename="../screens/technician.py" line="193"/>
        <source>Model: {v}</source>
        <translation>Modèle : {v}</translation>
    </message>
    <message>
        <location filename="../screens/technician.py" line="194"/>
        <source>Serial no.: {v}</source>
        <translation>N° de série : {v}</translation>
    </message>
    <message>
        <location filename="../screens/technician.py" line="195"/>
        <source>Firmware: {v}</source>
        <translation>Micrologiciel : {v}</translation>
    </message>
    <message>
        <location filename="../screens/technician.py" line="198"/>
        <source>Port: {v}</source>
        <translation>Port : {v}</translation>
    </message>
    <message>
        <location filename="../screens/technician.py" line="201"/>
        <source>Last self-test: never</source>
        <translation>Dernier autotest : jamais</translation>
    </message>
    <message>
        <location filename="../screens/technician.py" line="204"/>
        <source>Last self-test: {verdict} on {time} ({summary})</source>
        <translation>Dernier autotest : {verdict} le {time} ({summary})</translation>
    </message>
    <message>
        <location filename="../screens/technician.py" line="217"/>
        <source>{code}: {n} time(s), last on {time}</source>
        <translation>{code} : {n} fois, la dernière le {time}</translation>
    </message>
    <message>
        <location filename="../screens/technician.py" line="223"/>
        <source>Errors:</source>
        <translation>Erreurs :</translation>
    </message>
    <message>
        <location filename="../screens/technician.py" line="225"/>
        <source>Errors: none recorded</source>
        <translation>Erreurs : aucune enregistrée</translation>
    </message>
    <message>
        <location filename="../screens/technician.py" line="230"/>
        <source>not set</source>
        <translation>non renseignée</translation>
    </message>
    <message>
        <location filename="../screens/technician.py" line="231"/>
        <source>Calibration due: {date}</source>
        <translation>Étalonnage à faire avant le : {date}</translation>
    </message>
    <message>
        <location filename="../screens/technician.py" line="233"/>
        <source>new date: {date}</source>
        <translation>nouvelle date : {date}</translation>
    </message>
</context>
<context>
    <name>HomeScreen</name>
    <message>
        <location filename="../screens/home.py" line="54"/>
        <source>Start a teleconsultation</source>
        <translation>Commencer une téléconsultation</translation>
    </message>
    <message>
        <location filename="../screens/home.py" line="56"/>
        <source>Interrupted sessions: touch one to resume it where it stopped</source>
        <translation>Séances interrompues : touchez-en une pour la reprendre là où elle s&apos;est arrêtée</translation>
    </message>
    <message>
        <location filename="../screens/home.py" line="58"/>
        <source>Sign out</source>
        <translation>Se déconnecter</translation>
    </message>
    <message>
        <location filename="../screens/home.py" line="60"/>
        <source>Cleaning to finish: the cabin has not been cleaned since the last patient.</source>
        <translation>Nettoyage à terminer : la cabine n&apos;a pas été nettoyée depuis le dernier patient.</translation>
    </message>
    <message>
        <location filename="../screens/home.py" line="62"/>
        <source>Finish the cleaning</source>
        <translation>Terminer le nettoyage</translation>
    </message>
    <message>
        <location filename="../screens/home.py" line="66"/>
        <source>Hello {name}</source>
        <translation>Bonjour {name}</translation>
    </message>
    <message>
        <location filename="../screens/home.py" line="80"/>
        <source>patient not identified yet</source>
        <translation>patient pas encore identifié</translation>
    </message>
    <message>
        <location filename="../screens/home.py" line="81"/>
        <source>Resume: {who} (step: {step})</source>
        <translation>Reprendre : {who} (étape : {step})</translation>
    </message>
    <message>
        <source>{n} consultation record(s) refused by the recipient: call the technician.</source>
        <translation>{n} dossier(s) de consultation refusé(s) par le destinataire : appelez le technicien.</translation>
    </message>
    <message>
        <source>{n} consultation record(s) waiting to be sent: no destination is configured. Tell the technician.</source>
        <translation>{n} dossier(s) de consultation en attente d'envoi : aucune destination n'est configurée. Prévenez le technicien.</translation>
    </message>
    <message>
        <source>{n} consultation record(s) waiting to be sent: the kiosk keeps trying.</source>
        <translation>{n} dossier(s) de consultation en attente d'envoi : la cabine réessaie d'elle-même.</translation>
    </message>
    <message>
        <source>Every consultation record has been sent.</source>
        <translation>Tous les dossiers de consultation ont été envoyés.</translation>
    </message>
</context>
<context>
    <name>HygieneScreen</name>
    <message>
        <location filename="../screens/hygiene.py" line="57"/>
        <source>Clean the cabin</source>
        <translation>Nettoyer la cabine</translation>
    </message>
    <message>
        <location filename="../screens/hygiene.py" line="60"/>
        <source>The patient has left. Clean each item, then touch it to confirm. The next session can start once everything is clean.</source>
        <translation>Le patient est parti. Nettoyez chaque élément, puis touchez-le pour le confirmer. La séance suivante pourra commencer quand tout sera propre.</translation>
    </message>
    <message>
        <location filename="../screens/hygiene.py" line="64"/>
        <source>Finish: the cabin is clean</source>
        <translation>Terminer : la cabine est propre</translation>
    </message>
    <message>
        <location filename="../screens/hygiene.py" line="72"/>
        <source>done at {time}</source>
        <translation>fait à {time}</translation>
    </message>
    <message>
        <location filename="../screens/hygiene.py" line="76"/>
        <source>touch once cleaned</source>
        <translation>touchez une fois nettoyé</translation>
    </message>
    <message>
        <source>Consultation record: sent.</source>
        <translation>Dossier de consultation : envoyé.</translation>
    </message>
    <message>
        <source>Consultation record: refused by the recipient. Call the technician.</source>
        <translation>Dossier de consultation : refusé par le destinataire. Appelez le technicien.</translation>
    </message>
    <message>
        <source>Consultation record: being sent...</source>
        <translation>Dossier de consultation : envoi en cours...</translation>
    </message>
    <message>
        <source>Consultation record: waiting to be sent, no destination is configured. Tell the technician.</source>
        <translation>Dossier de consultation : en attente d'envoi, aucune destination n'est configurée. Prévenez le technicien.</translation>
    </message>
    <message>
        <source>Consultation record: queued; it will be sent automatically.</source>
        <translation>Dossier de consultation : en file d'attente ; il sera envoyé automatiquement.</translation>
    </message>
</context>
<context>
    <name>IdentifyScreen</name>
    <message>
        <location filename="../screens/identify.py" line="53"/>
        <source>Family name</source>
        <translation>Nom de famille</translation>
    </message>
    <message>
        <location filename="../screens/identify.py" line="54"/>
        <source>Given names</source>
        <translation>Prénom(s)</translation>
    </message>
    <message>
        <location filename="../screens/identify.py" line="55"/>
        <source>Date of birth (day/month/year)</source>
        <translation>Date de naissance (jour/mois/année)</translation>
    </message>
    <message>
        <location filename="../screens/identify.py" line="56"/>
        <source>Social security number (optional)</source>
        <translation>Numéro de sécurité sociale (facultatif)</translation>
    </message>
    <message>
        <location filename="../screens/identify.py" line="57"/>
        <source>Treating physician (optional)</source>
        <translation>Médecin traitant (facultatif)</translation>
    </message>
    <message>
        <location filename="../screens/identify.py" line="61"/>
        <source>dd/mm/yyyy</source>
        <translation>jj/mm/aaaa</translation>
    </message>
    <message>
        <location filename="../screens/identify.py" line="62"/>
        <source>Sex</source>
        <translation>Sexe</translation>
    </message>
    <message>
        <location filename="../screens/identify.py" line="63"/>
        <source>Female</source>
        <translation>Femme</translation>
    </message>
    <message>
        <location filename="../screens/identify.py" line="64"/>
        <source>Male</source>
        <translation>Homme</translation>
    </message>
    <message>
        <location filename="../screens/identify.py" line="65"/>
        <source>Other</source>
        <translation>Autre</translation>
    </message>
    <message>
        <location filename="../screens/identify.py" line="66"/>
        <source>Cancel the session</source>
        <translation>Annuler la séance</translation>
    </message>
    <message>
        <location filename="../screens/identify.py" line="67"/>
        <source>Next</source>
        <translation>Suivant</translation>
    </message>
</context>
<context>
    <name>IdleOverlay</name>
    <message>
        <location filename="../main_window.py" line="70"/>
        <source>Are you still there?</source>
        <translation>Êtes-vous toujours là ?</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="72"/>
        <source>Without a touch, the session will be paused in {n} seconds.</source>
        <translation>Sans action de votre part, la séance sera mise en pause dans {n} secondes.</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="76"/>
        <source>Yes, continue</source>
        <translation>Oui, continuer</translation>
    </message>
</context>
<context>
    <name>MeasureScreen</name>
    <message>
        <source>The cabin&apos;s microphone is out of service (its last self-test failed): the doctor may not hear the patient. Tell the technician.</source>
        <translation>Le micro de la cabine est hors service (son dernier autotest a échoué) : le médecin risque de ne pas entendre le patient. Prévenez le technicien.</translation>
    </message>
    <message>
        <location filename="../screens/measure.py" line="371"/>
        <source>Measurements</source>
        <translation>Mesures</translation>
    </message>
    <message>
        <location filename="../screens/measure.py" line="372"/>
        <source>Kept for this session</source>
        <translation>Conservé pour cette séance</translation>
    </message>
    <message>
        <location filename="../screens/measure.py" line="373"/>
        <source>Back</source>
        <translation>Retour</translation>
    </message>
    <message>
        <location filename="../screens/measure.py" line="374"/>
        <source>End the session</source>
        <translation>Terminer la séance</translation>
    </message>
    <message>
        <location filename="../screens/measure.py" line="375"/>
        <source>Call a doctor</source>
        <translation>Appeler un médecin</translation>
    </message>
    <message>
        <location filename="../screens/measure.py" line="376"/>
        <source>Capture left ear</source>
        <translation>Photo oreille gauche</translation>
    </message>
    <message>
        <location filename="../screens/measure.py" line="377"/>
        <source>Capture right ear</source>
        <translation>Photo oreille droite</translation>
    </message>
    <message>
        <location filename="../screens/measure.py" line="378"/>
        <source>Stop</source>
        <translation>Arrêter</translation>
    </message>
    <message>
        <location filename="../screens/measure.py" line="379"/>
        <location filename="../screens/measure.py" line="555"/>
        <source>Retake</source>
        <translation>Refaire</translation>
    </message>
    <message>
        <location filename="../screens/measure.py" line="380"/>
        <source>Accept</source>
        <translation>Valider</translation>
    </message>
    <message>
        <location filename="../screens/measure.py" line="381"/>
        <source>Waiting for the picture...</source>
        <translation>En attente de l&apos;image…</translation>
    </message>
    <message>
        <location filename="../screens/measure.py" line="430"/>
        <source>{age} years</source>
        <translation>{age} ans</translation>
    </message>
    <message>
        <location filename="../screens/measure.py" line="433"/>
        <source>SSN {nir}</source>
        <translation>NIR {nir}</translation>
    </message>
    <message>
        <location filename="../screens/measure.py" line="452"/>
        <source>{n} image(s) kept</source>
        <translation>{n} image(s) conservée(s)</translation>
    </message>
    <message>
        <location filename="../screens/measure.py" line="482"/>
        <source>Nothing measured yet: touch a device to begin.</source>
        <translation>Aucune mesure pour l&apos;instant : touchez un appareil pour commencer.</translation>
    </message>
    <message>
        <location filename="../screens/measure.py" line="488"/>
        <source>... and {n} earlier</source>
        <translation>… et {n} plus ancienne(s)</translation>
    </message>
    <message>
        <location filename="../screens/measure.py" line="492"/>
        <source>{time}  {what}: {value}</source>
        <translation>{time}  {what} : {value}</translation>
    </message>
    <message>
        <location filename="../screens/measure.py" line="501"/>
        <source>(not accepted yet)</source>
        <translation>(pas encore validée)</translation>
    </message>
    <message>
        <location filename="../screens/measure.py" line="605"/>
        <source>Done</source>
        <translation>Terminé</translation>
    </message>
    <message>
        <location filename="../screens/measure.py" line="605"/>
        <source>Back to the menu</source>
        <translation>Retour aux mesures</translation>
    </message>
    <message>
        <location filename="../screens/measure.py" line="625"/>
        <source>Measured at {time}</source>
        <translation>Mesuré à {time}</translation>
    </message>
    <message>
        <location filename="../screens/measure.py" line="631"/>
        <source>Outside the usual range: {what}. Point it out to the doctor.</source>
        <translation>Hors des valeurs habituelles : {what}. Signalez-le au médecin.</translation>
    </message>
    <message>
        <location filename="../screens/measure.py" line="638"/>
        <source>Note: {notes}</source>
        <translation>À noter : {notes}</translation>
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
        <location filename="../messages.py" line="81"/>
        <source>The picture could not be saved. Please capture it again; if it happens again, call your technician.</source>
        <translation>L&apos;image n&apos;a pas pu être enregistrée. Reprenez la photo ; si cela recommence, appelez votre technicien.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="86"/>
        <source>The cabin&apos;s memory is full: this was not saved. What was saved before is kept. Call your technician to free some space, then try again.</source>
        <translation>La mémoire de la cabine est pleine : ceci n&apos;a pas été enregistré. Ce qui a été enregistré avant est conservé. Appelez votre technicien pour libérer de la place, puis réessayez.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="86"/>
        <source>The support bundle could not be written ({path}). Is the disk full?</source>
        <translation>Le dossier d&apos;assistance n&apos;a pas pu être écrit ({path}). Le disque est-il plein ?</translation>
    </message>
    <message>
        <location filename="../messages.py" line="91"/>
        <source>The cabin has not been cleaned since the last patient: finish the cleaning first.</source>
        <translation>La cabine n&apos;a pas été nettoyée depuis le dernier patient : terminez d&apos;abord le nettoyage.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="95"/>
        <source>Confirm every item of the cleaning checklist first.</source>
        <translation>Confirmez d&apos;abord chaque élément de la liste de nettoyage.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="102"/>
        <source>Something went wrong ({code}).</source>
        <translation>Un problème est survenu ({code}).</translation>
    </message>
    <message>
        <location filename="../messages.py" line="110"/>
        <source>Blood pressure cuff</source>
        <translation>Brassard du tensiomètre</translation>
    </message>
    <message>
        <location filename="../messages.py" line="111"/>
        <source>Thermometer probe cover</source>
        <translation>Protège-sonde du thermomètre</translation>
    </message>
    <message>
        <location filename="../messages.py" line="112"/>
        <source>Oximeter clip</source>
        <translation>Pince de l&apos;oxymètre</translation>
    </message>
    <message>
        <location filename="../messages.py" line="113"/>
        <source>Otoscope speculum</source>
        <translation>Spéculum de l&apos;otoscope</translation>
    </message>
    <message>
        <location filename="../messages.py" line="114"/>
        <source>Screen</source>
        <translation>Écran</translation>
    </message>
    <message>
        <location filename="../messages.py" line="115"/>
        <source>Seat</source>
        <translation>Siège</translation>
    </message>
    <message>
        <location filename="../messages.py" line="122"/>
        <source>Home</source>
        <translation>Accueil</translation>
    </message>
    <message>
        <location filename="../messages.py" line="123"/>
        <source>Identity</source>
        <translation>Identité</translation>
    </message>
    <message>
        <location filename="../messages.py" line="124"/>
        <source>Consent</source>
        <translation>Consentement</translation>
    </message>
    <message>
        <location filename="../messages.py" line="125"/>
        <source>Reason for the visit</source>
        <translation>Motif de consultation</translation>
    </message>
    <message>
        <location filename="../messages.py" line="126"/>
        <source>Measurements</source>
        <translation>Mesures</translation>
    </message>
    <message>
        <location filename="../messages.py" line="127"/>
        <source>Waiting for a doctor</source>
        <translation>En attente d&apos;un médecin</translation>
    </message>
    <message>
        <location filename="../messages.py" line="128"/>
        <source>With the doctor</source>
        <translation>Avec le médecin</translation>
    </message>
    <message>
        <location filename="../messages.py" line="129"/>
        <source>Report</source>
        <translation>Compte rendu</translation>
    </message>
    <message>
        <location filename="../messages.py" line="130"/>
        <source>Cleaning</source>
        <translation>Nettoyage</translation>
    </message>
    <message>
        <location filename="../messages.py" line="131"/>
        <source>Emergency referral</source>
        <translation>Orientation vers les urgences</translation>
    </message>
    <message>
        <location filename="../messages.py" line="132"/>
        <source>Ended</source>
        <translation>Terminée</translation>
    </message>
    <message>
        <location filename="../messages.py" line="133"/>
        <source>Out of service</source>
        <translation>Hors service</translation>
    </message>
    <message>
        <location filename="../messages.py" line="140"/>
        <source>Fever</source>
        <translation>Fièvre</translation>
    </message>
    <message>
        <location filename="../messages.py" line="141"/>
        <source>Cough, cold</source>
        <translation>Toux, rhume</translation>
    </message>
    <message>
        <location filename="../messages.py" line="142"/>
        <source>Sore throat</source>
        <translation>Mal de gorge</translation>
    </message>
    <message>
        <location filename="../messages.py" line="143"/>
        <source>Ear pain</source>
        <translation>Douleur à l&apos;oreille</translation>
    </message>
    <message>
        <location filename="../messages.py" line="144"/>
        <source>Urinary problem</source>
        <translation>Problème urinaire</translation>
    </message>
    <message>
        <location filename="../messages.py" line="145"/>
        <source>Skin problem</source>
        <translation>Problème de peau</translation>
    </message>
    <message>
        <location filename="../messages.py" line="146"/>
        <source>Red or sore eye</source>
        <translation>Œil rouge ou douloureux</translation>
    </message>
    <message>
        <location filename="../messages.py" line="147"/>
        <source>Stomach, digestion</source>
        <translation>Ventre, digestion</translation>
    </message>
    <message>
        <location filename="../messages.py" line="148"/>
        <source>Back pain</source>
        <translation>Mal de dos</translation>
    </message>
    <message>
        <location filename="../messages.py" line="149"/>
        <source>Headache</source>
        <translation>Mal de tête</translation>
    </message>
    <message>
        <location filename="../messages.py" line="150"/>
        <source>Prescription renewal</source>
        <translation>Renouvellement d&apos;ordonnance</translation>
    </message>
    <message>
        <location filename="../messages.py" line="151"/>
        <source>Other reason</source>
        <translation>Autre motif</translation>
    </message>
    <message>
        <location filename="../messages.py" line="158"/>
        <source>Pain or tightness in the chest?</source>
        <translation>Une douleur ou une oppression dans la poitrine ?</translation>
    </message>
    <message>
        <location filename="../messages.py" line="159"/>
        <source>Great difficulty breathing?</source>
        <translation>Une grande difficulté à respirer ?</translation>
    </message>
    <message>
        <location filename="../messages.py" line="160"/>
        <source>Face drooping, arm weakness or trouble speaking, even briefly?</source>
        <translation>Un visage qui se déforme, un bras qui faiblit ou du mal à parler, même peu de temps ?</translation>
    </message>
    <message>
        <location filename="../messages.py" line="163"/>
        <source>Heavy bleeding that does not stop?</source>
        <translation>Un saignement important qui ne s&apos;arrête pas ?</translation>
    </message>
    <message>
        <location filename="../messages.py" line="164"/>
        <source>Fainted or lost consciousness?</source>
        <translation>Un malaise avec perte de connaissance ?</translation>
    </message>
    <message>
        <location filename="../messages.py" line="165"/>
        <source>Swelling of the face or throat, or a severe allergic reaction?</source>
        <translation>Un gonflement du visage ou de la gorge, ou une forte réaction allergique ?</translation>
    </message>
    <message>
        <location filename="../messages.py" line="168"/>
        <source>Thoughts of ending their life?</source>
        <translation>Des idées de mettre fin à ses jours ?</translation>
    </message>
    <message>
        <location filename="../messages.py" line="169"/>
        <source>Pregnant, with bleeding or belly pain?</source>
        <translation>Une grossesse, avec des saignements ou des douleurs au ventre ?</translation>
    </message>
    <message>
        <location filename="../messages.py" line="178"/>
        <source>A teleconsultation is a real medical consultation with a doctor, by video. The doctor sees and hears you, and sees the measurements taken here.</source>
        <translation>Une téléconsultation est une vraie consultation médicale, avec un médecin, par vidéo. Le médecin vous voit, vous entend et voit les mesures prises ici.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="183"/>
        <source>Only the doctor, the assistant beside you and your own doctors see your data. They are protected by medical confidentiality.</source>
        <translation>Seuls le médecin, l&apos;assistant à vos côtés et vos propres médecins voient vos données. Elles sont protégées par le secret médical.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="188"/>
        <source>The assistant stays with you during the whole consultation to help you.</source>
        <translation>L&apos;assistant reste avec vous pendant toute la consultation pour vous aider.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="191"/>
        <source>You may stop at any moment, without giving a reason.</source>
        <translation>Vous pouvez arrêter à tout moment, sans donner de raison.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="202"/>
        <source>Blood pressure</source>
        <translation>Tension artérielle</translation>
    </message>
    <message>
        <location filename="../messages.py" line="203"/>
        <location filename="../messages.py" line="204"/>
        <source>Temperature</source>
        <translation>Température</translation>
    </message>
    <message>
        <location filename="../messages.py" line="205"/>
        <location filename="../messages.py" line="206"/>
        <source>Oxygen (SpO2) and pulse</source>
        <translation>Oxygène (SpO2) et pouls</translation>
    </message>
    <message>
        <location filename="../messages.py" line="207"/>
        <location filename="../messages.py" line="218"/>
        <source>Otoscope</source>
        <translation>Otoscope</translation>
    </message>
    <message>
        <location filename="../messages.py" line="215"/>
        <source>Blood pressure monitor</source>
        <translation>Tensiomètre</translation>
    </message>
    <message>
        <location filename="../messages.py" line="216"/>
        <source>Thermometer</source>
        <translation>Thermomètre</translation>
    </message>
    <message>
        <location filename="../messages.py" line="217"/>
        <source>Pulse oximeter</source>
        <translation>Oxymètre de pouls</translation>
    </message>
    <message>
        <location filename="../messages.py" line="219"/>
        <source>Camera</source>
        <translation>Caméra</translation>
    </message>
    <message>
        <source>Microphone</source>
        <translation>Microphone</translation>
    </message>
    <message>
        <location filename="../messages.py" line="220"/>
        <source>Room camera</source>
        <translation>Caméra de la cabine</translation>
    </message>
    <message>
        <location filename="../messages.py" line="227"/>
        <source>ready</source>
        <translation>prêt</translation>
    </message>
    <message>
        <location filename="../messages.py" line="228"/>
        <source>connecting...</source>
        <translation>connexion…</translation>
    </message>
    <message>
        <location filename="../messages.py" line="229"/>
        <source>in use</source>
        <translation>en cours d&apos;utilisation</translation>
    </message>
    <message>
        <location filename="../messages.py" line="230"/>
        <source>not connected</source>
        <translation>non branché</translation>
    </message>
    <message>
        <location filename="../messages.py" line="231"/>
        <source>not installed in this cabin</source>
        <translation>non installé dans cette cabine</translation>
    </message>
    <message>
        <location filename="../messages.py" line="239"/>
        <source>Please take the measurement again.</source>
        <translation>Refaites la mesure.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="240"/>
        <source>Ask the patient to stay still and not to talk, then take it again.</source>
        <translation>Demandez au patient de rester immobile et de ne pas parler, puis refaites la mesure.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="243"/>
        <source>Check how the sensor is placed on the patient, then take it again.</source>
        <translation>Vérifiez la position du capteur sur le patient, puis refaites la mesure.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="246"/>
        <source>The cuff seems loose: tighten it on the bare arm (one finger should just slip under it), then take it again.</source>
        <translation>Le brassard semble trop lâche : resserrez-le sur le bras nu (un doigt doit tout juste passer dessous), puis refaites la mesure.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="251"/>
        <source>Let the patient rest for a minute, then take it again.</source>
        <translation>Laissez le patient se reposer une minute, puis refaites la mesure.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="254"/>
        <source>Stop: do not use this device again, and call a technician.</source>
        <translation>Arrêtez : n&apos;utilisez plus cet appareil et appelez un technicien.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="257"/>
        <source>This device is out of service: do not use it, and call a technician.</source>
        <translation>Cet appareil est hors service : ne l&apos;utilisez pas et appelez un technicien.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="272"/>
        <source>{device}: the measurement did not succeed.</source>
        <translation>{device} : la mesure n&apos;a pas abouti.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="273"/>
        <source>{device}: not connected. Check that its cable is plugged in at both ends, then try again.</source>
        <translation>{device} : non branché. Vérifiez que le câble est bien branché aux deux bouts, puis réessayez.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="278"/>
        <source>{device}: the device is not answering. Check that it is switched on and plugged in, then try again.</source>
        <translation>{device} : l&apos;appareil ne répond pas. Vérifiez qu&apos;il est allumé et branché, puis réessayez.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="283"/>
        <source>{device}: the device is not ready to measure (probe still in its holder, cuff not yet deflated...). Wait a moment, then try again.</source>
        <translation>{device} : l&apos;appareil n&apos;est pas prêt à mesurer (sonde encore dans son support, brassard pas encore dégonflé…). Attendez un instant, puis réessayez.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="288"/>
        <source>{device}: the device answers in a way the cabin does not understand. Unplug it and plug it in again; if it happens again, call a technician.</source>
        <translation>{device} : l&apos;appareil répond d&apos;une façon que la cabine ne comprend pas. Débranchez-le puis rebranchez-le ; si cela recommence, appelez un technicien.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="293"/>
        <source>{device}: the device is busy. Wait a few seconds, then try again.</source>
        <translation>{device} : l&apos;appareil est occupé. Attendez quelques secondes, puis réessayez.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="298"/>
        <source>{device}: the cabin&apos;s memory is full, so this measurement was not saved. What was saved before is kept. Call your technician to free some space, then measure again.</source>
        <translation>{device} : la mémoire de la cabine est pleine, cette mesure n&apos;a donc pas été enregistrée. Ce qui a été enregistré avant est conservé. Appelez votre technicien pour libérer de la place, puis refaites la mesure.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="303"/>
        <source>{device}: this measurement could not be saved. Please measure again; if it happens again, call your technician.</source>
        <translation>{device} : cette mesure n&apos;a pas pu être enregistrée. Refaites la mesure ; si cela recommence, appelez votre technicien.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="299"/>
        <source>{device}: the cuff is not empty yet. Wait for it to deflate completely, then try again.</source>
        <translation>{device} : le brassard n&apos;est pas encore vide. Attendez qu&apos;il soit complètement dégonflé, puis réessayez.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="304"/>
        <source>{device}: the probe is not ready (not plugged into the thermometer, or the thermometer is in another mode). Check the probe, then try again.</source>
        <translation>{device} : la sonde n&apos;est pas prête (pas branchée sur le thermomètre, ou thermomètre dans un autre mode). Vérifiez la sonde, puis réessayez.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="311"/>
        <source>{device}: the device reported a problem ({code}).</source>
        <translation>{device} : l&apos;appareil signale un problème ({code}).</translation>
    </message>
    <message>
        <location filename="../messages.py" line="317"/>
        <source>(device code {code})</source>
        <translation>(code de l&apos;appareil {code})</translation>
    </message>
    <message>
        <location filename="../messages.py" line="326"/>
        <source>Very high blood pressure</source>
        <translation>Tension très élevée</translation>
    </message>
    <message>
        <location filename="../messages.py" line="327"/>
        <source>Low blood pressure</source>
        <translation>Tension basse</translation>
    </message>
    <message>
        <location filename="../messages.py" line="328"/>
        <source>High temperature</source>
        <translation>Température élevée</translation>
    </message>
    <message>
        <location filename="../messages.py" line="329"/>
        <source>Low temperature</source>
        <translation>Température basse</translation>
    </message>
    <message>
        <location filename="../messages.py" line="330"/>
        <source>Low oxygen saturation</source>
        <translation>Saturation en oxygène basse</translation>
    </message>
    <message>
        <location filename="../messages.py" line="331"/>
        <source>Unusual pulse rate</source>
        <translation>Pouls inhabituel</translation>
    </message>
    <message>
        <location filename="../messages.py" line="339"/>
        <source>movement during the measurement</source>
        <translation>mouvement pendant la mesure</translation>
    </message>
    <message>
        <location filename="../messages.py" line="340"/>
        <source>signal lost for a while</source>
        <translation>signal perdu un moment</translation>
    </message>
    <message>
        <location filename="../messages.py" line="341"/>
        <source>finger out of the clip</source>
        <translation>doigt hors de la pince</translation>
    </message>
    <message>
        <location filename="../messages.py" line="342"/>
        <source>weak pulse signal</source>
        <translation>signal du pouls faible</translation>
    </message>
    <message>
        <location filename="../messages.py" line="343"/>
        <source>faint pulse signal</source>
        <translation>signal du pouls à peine suffisant</translation>
    </message>
    <message>
        <location filename="../messages.py" line="344"/>
        <source>device battery low</source>
        <translation>pile de l&apos;appareil faible</translation>
    </message>
    <message>
        <location filename="../messages.py" line="345"/>
        <source>above what the device can measure</source>
        <translation>au-dessus de ce que l&apos;appareil peut mesurer</translation>
    </message>
    <message>
        <location filename="../messages.py" line="346"/>
        <source>below what the device can measure</source>
        <translation>en dessous de ce que l&apos;appareil peut mesurer</translation>
    </message>
    <message>
        <location filename="../messages.py" line="347"/>
        <source>unlikely value: check it</source>
        <translation>valeur peu vraisemblable : à vérifier</translation>
    </message>
    <message>
        <location filename="../messages.py" line="348"/>
        <source>value not yet stable</source>
        <translation>valeur pas encore stable</translation>
    </message>
    <message>
        <location filename="../messages.py" line="355"/>
        <source>.</source>
        <comment>decimal separator</comment>
        <translation>,</translation>
    </message>
    <message>
        <location filename="../messages.py" line="363"/>
        <source>{systolic}/{diastolic} mmHg</source>
        <translation>{systolic}/{diastolic} mmHg</translation>
    </message>
    <message>
        <location filename="../messages.py" line="372"/>
        <source>SpO2 {spo2} %</source>
        <translation>SpO2 {spo2} %</translation>
    </message>
    <message>
        <location filename="../messages.py" line="385"/>
        <source>mean {mean} mmHg</source>
        <translation>moyenne {mean} mmHg</translation>
    </message>
    <message>
        <location filename="../messages.py" line="389"/>
        <source>under the tongue</source>
        <translation>sous la langue</translation>
    </message>
    <message>
        <location filename="../messages.py" line="390"/>
        <source>under the arm</source>
        <translation>sous le bras</translation>
    </message>
    <message>
        <location filename="../messages.py" line="391"/>
        <source>rectal</source>
        <translation>rectale</translation>
    </message>
    <message>
        <location filename="../messages.py" line="401"/>
        <source>pulse {pulse}/min</source>
        <translation>pouls {pulse}/min</translation>
    </message>
    <message>
        <location filename="../messages.py" line="408"/>
        <source>Left ear</source>
        <translation>Oreille gauche</translation>
    </message>
    <message>
        <location filename="../messages.py" line="409"/>
        <source>Right ear</source>
        <translation>Oreille droite</translation>
    </message>
    <message>
        <location filename="../messages.py" line="411"/>
        <source>Other</source>
        <translation>Autre</translation>
    </message>
    <message>
        <location filename="../messages.py" line="417"/>
        <source>Patient seated, back supported, feet flat, arm resting at heart level. Cuff on the bare upper arm, 2 cm above the elbow. No talking, no moving.</source>
        <translation>Patient assis, dos appuyé, pieds à plat, bras posé à hauteur du cœur. Brassard sur le bras nu, 2 cm au-dessus du coude. Ni parler, ni bouger.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="422"/>
        <source>The cuff is inflating. The patient stays still and silent.</source>
        <translation>Le brassard se gonfle. Le patient reste immobile et silencieux.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="425"/>
        <source>The cuff is deflating: almost done. The patient stays still.</source>
        <translation>Le brassard se dégonfle : c&apos;est presque fini. Le patient reste immobile.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="428"/>
        <location filename="../messages.py" line="431"/>
        <source>Take the probe out of its holder and put a new cover on it.</source>
        <translation>Sortez la sonde de son support et mettez-lui un embout neuf.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="434"/>
        <source>Probe under the tongue, far back to one side. The patient keeps the mouth closed until the beep.</source>
        <translation>Sonde sous la langue, bien au fond sur le côté. Le patient garde la bouche fermée jusqu&apos;au bip.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="439"/>
        <location filename="../messages.py" line="444"/>
        <source>Put the index or middle finger fully into the clip, nail up. The hand rests, warm and still.</source>
        <translation>Mettez l&apos;index ou le majeur bien au fond de la pince, ongle vers le haut. La main reste posée, au chaud et immobile.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="449"/>
        <source>Measuring: the hand stays still until the values settle.</source>
        <translation>Mesure en cours : la main reste immobile jusqu&apos;à ce que les valeurs se stabilisent.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="452"/>
        <source>The otoscope is starting...</source>
        <translation>L&apos;otoscope démarre…</translation>
    </message>
    <message>
        <location filename="../messages.py" line="453"/>
        <source>Gently pull the ear up and back, insert the tip, then capture each ear when the eardrum is sharp.</source>
        <translation>Tirez doucement l&apos;oreille vers le haut et l&apos;arrière, introduisez l&apos;embout, puis prenez la photo de chaque oreille quand le tympan est net.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="477"/>
        <source>out of service: calibration overdue since {date}. Call a technician.</source>
        <translation>hors service : étalonnage dépassé depuis le {date}. Appelez un technicien.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="480"/>
        <source>out of service: its self-test failed. Call a technician.</source>
        <translation>hors service : son autotest a échoué. Appelez un technicien.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="482"/>
        <source>calibration due on {date}</source>
        <translation>étalonnage à faire avant le {date}</translation>
    </message>
    <message>
        <location filename="../messages.py" line="489"/>
        <source>PASSED</source>
        <translation>RÉUSSI</translation>
    </message>
    <message>
        <location filename="../messages.py" line="489"/>
        <source>FAILED</source>
        <translation>ÉCHEC</translation>
    </message>
    <message>
        <location filename="../messages.py" line="494"/>
        <source>waiting for its test...</source>
        <translation>en attente de son test...</translation>
    </message>
    <message>
        <location filename="../messages.py" line="495"/>
        <source>testing...</source>
        <translation>test en cours...</translation>
    </message>
    <message>
        <location filename="../messages.py" line="502"/>
        <source>disconnected</source>
        <translation>débranché</translation>
    </message>
    <message>
        <location filename="../messages.py" line="503"/>
        <source>reconnected</source>
        <translation>rebranché</translation>
    </message>
    <message>
        <location filename="../messages.py" line="504"/>
        <source>measurement failed</source>
        <translation>mesure échouée</translation>
    </message>
    <message>
        <location filename="../messages.py" line="505"/>
        <source>self-test failed</source>
        <translation>autotest échoué</translation>
    </message>
    <message>
        <location filename="../messages.py" line="514"/>
        <source>This cabin is not set up to call a doctor: no teleconsultation service is configured. Call your technician. Meanwhile, cancel the call to go back to the measurements.</source>
        <translation>Cette cabine n&apos;est pas configurée pour appeler un médecin : aucun service de téléconsultation n&apos;est paramétré. Appelez votre technicien. En attendant, annulez l&apos;appel pour revenir aux mesures.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="519"/>
        <source>The teleconsultation service cannot be reached (network or service down). A new attempt is made automatically. Check the cabin&apos;s network; if it lasts, call your technician.</source>
        <translation>Le service de téléconsultation est injoignable (réseau ou service en panne). Nouvel essai automatique en cours. Vérifiez le réseau de la cabine ; si cela dure, appelez votre technicien.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="525"/>
        <source>The teleconsultation service did not recognise this cabin (wrong name or secret). Call your technician to check the cabin&apos;s settings.</source>
        <translation>Le service de téléconsultation n&apos;a pas reconnu cette cabine (nom ou code secret erroné). Appelez votre technicien pour vérifier les réglages de la cabine.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="530"/>
        <source>This cabin&apos;s access to the teleconsultation service has been withdrawn. Call your technician.</source>
        <translation>L&apos;accès de cette cabine au service de téléconsultation a été retiré. Appelez votre technicien.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="535"/>
        <source>The teleconsultation service refused the call. Try again; if it happens again, call your technician.</source>
        <translation>Le service de téléconsultation a refusé l&apos;appel. Réessayez ; si cela se reproduit, appelez votre technicien.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="543"/>
        <source>The call could not be made ({code}). Call your technician.</source>
        <translation>L&apos;appel n&apos;a pas pu être passé ({code}). Appelez votre technicien.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="552"/>
        <source>take the blood pressure</source>
        <translation>prendre la tension</translation>
    </message>
    <message>
        <location filename="../messages.py" line="553"/>
        <source>take the temperature</source>
        <translation>prendre la température</translation>
    </message>
    <message>
        <location filename="../messages.py" line="554"/>
        <source>measure the oxygen saturation and the pulse</source>
        <translation>mesurer la saturation en oxygène et le pouls</translation>
    </message>
    <message>
        <location filename="../messages.py" line="555"/>
        <source>show the ears with the otoscope</source>
        <translation>montrer les oreilles à l&apos;otoscope</translation>
    </message>
    <message>
        <location filename="../messages.py" line="563"/>
        <source>No particular referral.</source>
        <translation>Pas d&apos;orientation particulière.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="564"/>
        <source>See your treating physician.</source>
        <translation>Consultez votre médecin traitant.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="565"/>
        <source>See a specialist doctor.</source>
        <translation>Consultez un médecin spécialiste.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="566"/>
        <source>Emergency: call {number} or 112 now, or go to the emergency department.</source>
        <translation>Urgence : appelez maintenant le {number} ou le 112, ou rendez-vous aux urgences.</translation>
    </message>
    <message>
        <location filename="../messages.py" line="575"/>
        <source>French</source>
        <translation>français</translation>
    </message>
    <message>
        <location filename="../messages.py" line="576"/>
        <source>English</source>
        <translation>anglais</translation>
    </message>
    <message>
        <location filename="../messages.py"/>
        <source>No printer is installed: show the report on the screen.</source>
        <translation>Aucune imprimante n&apos;est installée : montrez le compte-rendu à l&apos;écran.</translation>
    </message>
    <message>
        <location filename="../messages.py"/>
        <source>The printer did not take the report. Check that it is on and has paper, then try again, or show the report on the screen.</source>
        <translation>L&apos;imprimante n&apos;a pas pris le compte-rendu. Vérifiez qu&apos;elle est allumée et qu&apos;elle a du papier, puis réessayez, ou montrez le compte-rendu à l&apos;écran.</translation>
    </message>
    <message>
        <location filename="../messages.py"/>
        <source>The printer did not answer. Try again, or show the report on the screen.</source>
        <translation>L&apos;imprimante ne répond pas. Réessayez, ou montrez le compte-rendu à l&apos;écran.</translation>
    </message>
    <message>
        <location filename="../messages.py"/>
        <source>The report could not be prepared for printing. Try again; if it happens again, call your technician.</source>
        <translation>Le compte-rendu n&apos;a pas pu être préparé pour l&apos;impression. Réessayez ; si cela recommence, appelez votre technicien.</translation>
    </message>
</context>
<context>
    <name>PinSignIn</name>
    <message>
        <location filename="../widgets/pin_sign_in.py" line="111"/>
        <source>{n} tries left before the screen locks.</source>
        <translation>Encore {n} essai(s) avant le verrouillage de l&apos;écran.</translation>
    </message>
    <message>
        <location filename="../widgets/pin_sign_in.py" line="123"/>
        <source>First touch your name.</source>
        <translation>Touchez d&apos;abord votre nom.</translation>
    </message>
</context>
<context>
    <name>RecordRow</name>
    <message>
        <source>waiting to be sent</source>
        <translation>en attente d'envoi</translation>
    </message>
    <message>
        <source>being sent</source>
        <translation>envoi en cours</translation>
    </message>
    <message>
        <source>sent</source>
        <translation>envoyé</translation>
    </message>
    <message>
        <source>refused by the recipient</source>
        <translation>refusé par le destinataire</translation>
    </message>
    <message>
        <source>consultation of {date}</source>
        <translation>consultation du {date}</translation>
    </message>
    <message>
        <source>sent on {date}</source>
        <translation>envoyé le {date}</translation>
    </message>
    <message>
        <source>Attempts: {n}</source>
        <translation>Tentatives : {n}</translation>
    </message>
    <message>
        <source>next attempt: {time}</source>
        <translation>prochain essai : {time}</translation>
    </message>
    <message>
        <source>patient data erased after delivery</source>
        <translation>données du patient effacées après l'envoi</translation>
    </message>
    <message>
        <source>no destination configured (records.endpoint)</source>
        <translation>aucune destination configurée (records.endpoint)</translation>
    </message>
    <message>
        <source>Last error: {error}</source>
        <translation>Dernière erreur : {error}</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>Réessayer</translation>
    </message>
</context>
<context>
    <name>RecordsSection</name>
    <message>
        <source>Consultation records</source>
        <translation>Dossiers de consultation</translation>
    </message>
    <message>
        <source>No consultation record yet.</source>
        <translation>Aucun dossier de consultation pour l'instant.</translation>
    </message>
    <message>
        <source>Waiting: {pending}  ·  Being sent: {sending}  ·  Sent: {sent}  ·  Refused: {failed}</source>
        <translation>En attente : {pending}  ·  En cours d'envoi : {sending}  ·  Envoyés : {sent}  ·  Refusés : {failed}</translation>
    </message>
    <message>
        <source>Destination: {destination}</source>
        <translation>Destination : {destination}</translation>
    </message>
    <message>
        <source>No destination configured: records wait here (records.endpoint).</source>
        <translation>Aucune destination configurée : les dossiers attendent ici (records.endpoint).</translation>
    </message>
</context>
<context>
    <name>ReferredScreen</name>
    <message>
        <location filename="../screens/endings.py" line="48"/>
        <source>Call the emergency services now</source>
        <translation>Appelez les secours maintenant</translation>
    </message>
    <message>
        <location filename="../screens/endings.py" line="51"/>
        <source>A teleconsultation is not suitable for this patient. Call the number above and stay with the patient until help arrives.</source>
        <translation>La téléconsultation ne convient pas à ce patient. Appelez le numéro ci-dessus et restez avec le patient jusqu&apos;à l&apos;arrivée des secours.</translation>
    </message>
    <message>
        <location filename="../screens/endings.py" line="55"/>
        <source>Close</source>
        <translation>Fermer</translation>
    </message>
    <message>
        <location filename="../screens/endings.py" line="60"/>
        <source>Emergency signs reported:</source>
        <translation>Signes d&apos;urgence signalés :</translation>
    </message>
</context>
<context>
    <name>ReportScreen</name>
    <message>
        <location filename="../screens/call.py" line="646"/>
        <source>The doctor&apos;s report</source>
        <translation>Compte-rendu du médecin</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="647"/>
        <source>Conclusion</source>
        <translation>Conclusion</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="648"/>
        <source>Prescription</source>
        <translation>Ordonnance</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="649"/>
        <source>The doctor&apos;s observations</source>
        <translation>Observations du médecin</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="670"/>
        <source>The call ended without a written report from the doctor. Remind the patient of what the doctor said; for any question, the patient can see their treating physician.</source>
        <translation>L&apos;appel s&apos;est terminé sans compte-rendu écrit du médecin. Rappelez au patient ce que le médecin a dit ; pour toute question, le patient peut consulter son médecin traitant.</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="676"/>
        <source>Continue</source>
        <translation>Continuer</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="684"/>
        <source>received at {time}</source>
        <translation>reçu à {time}</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="695"/>
        <source>Advice for the patient (written in {language})</source>
        <translation>Conseils pour le patient (rédigés en {language})</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="703"/>
        <source>No prescription.</source>
        <translation>Pas d&apos;ordonnance.</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="706"/>
        <source>Handed to the patient</source>
        <translation>Remis au patient</translation>
    </message>
    <message>
        <location filename="../screens/call.py"/>
        <source>Show on the screen</source>
        <translation>Montrer à l&apos;écran</translation>
    </message>
    <message>
        <location filename="../screens/call.py"/>
        <source>The report, as it would be printed</source>
        <translation>Le compte-rendu, tel qu&apos;il serait imprimé</translation>
    </message>
    <message>
        <location filename="../screens/call.py"/>
        <source>Close</source>
        <translation>Fermer</translation>
    </message>
    <message>
        <location filename="../screens/call.py"/>
        <source>Print</source>
        <translation>Imprimer</translation>
    </message>
    <message>
        <location filename="../screens/call.py"/>
        <source>Printing... The report is on its way to the printer.</source>
        <translation>Impression en cours… Le compte-rendu part vers l&apos;imprimante.</translation>
    </message>
    <message>
        <location filename="../screens/call.py"/>
        <source>Printing...</source>
        <translation>Impression…</translation>
    </message>
    <message>
        <location filename="../screens/call.py"/>
        <source>Printed on {printer}.</source>
        <translation>Imprimé sur {printer}.</translation>
    </message>
    <message>
        <location filename="../screens/call.py"/>
        <source>Print again</source>
        <translation>Imprimer à nouveau</translation>
    </message>
    <message>
        <location filename="../screens/call.py"/>
        <source>Try again</source>
        <translation>Réessayer</translation>
    </message>
</context>
<context>
    <name>SignInScreen</name>
    <message>
        <location filename="../screens/signin.py" line="47"/>
        <source>Assistant sign-in</source>
        <translation>Connexion de l&apos;assistant</translation>
    </message>
    <message>
        <location filename="../screens/signin.py" line="48"/>
        <source>Technician</source>
        <translation>Technicien</translation>
    </message>
    <message>
        <location filename="../screens/signin.py" line="49"/>
        <source>Touch your name, then type your PIN.</source>
        <translation>Touchez votre nom, puis tapez votre code PIN.</translation>
    </message>
    <message>
        <location filename="../screens/signin.py" line="52"/>
        <source>No assistant is registered yet. A technician adds one with the command: kiosk assistant add NAME</source>
        <translation>Aucun assistant n&apos;est encore enregistré. Un technicien en ajoute un avec la commande : kiosk assistant add NOM</translation>
    </message>
    <message>
        <location filename="../screens/signin.py" line="65"/>
        <source>Interrupted sessions waiting: {n}. Sign in to resume them.</source>
        <translation>Séances interrompues en attente : {n}. Connectez-vous pour les reprendre.</translation>
    </message>
</context>
<context>
    <name>TechnicianScreen</name>
    <message>
        <location filename="../screens/technician.py" line="294"/>
        <source>Sign out</source>
        <translation>Se déconnecter</translation>
    </message>
    <message>
        <location filename="../screens/technician.py" line="295"/>
        <source>Support bundle</source>
        <translation>Dossier d&apos;assistance</translation>
    </message>
    <message>
        <location filename="../screens/technician.py" line="296"/>
        <source>Test all</source>
        <translation>Tout tester</translation>
    </message>
    <message>
        <location filename="../screens/technician.py" line="297"/>
        <source>Cleaning log (newest first)</source>
        <translation>Journal du nettoyage (le plus récent en premier)</translation>
    </message>
    <message>
        <location filename="../screens/technician.py" line="310"/>
        <source>Technician mode: {name}</source>
        <translation>Mode technicien : {name}</translation>
    </message>
    <message>
        <location filename="../screens/technician.py" line="317"/>
        <source>Testing {device}... ({n} more to test)</source>
        <translation>Test de : {device}... (encore {n} à tester)</translation>
    </message>
    <message>
        <location filename="../screens/technician.py" line="327"/>
        <source>Devices out of service: {n}</source>
        <translation>Appareils hors service : {n}</translation>
    </message>
    <message>
        <location filename="../screens/technician.py" line="329"/>
        <source>Every device is in service.</source>
        <translation>Tous les appareils sont en service.</translation>
    </message>
    <message>
        <location filename="../screens/technician.py" line="336"/>
        <source>Support bundle written: {path}</source>
        <translation>Dossier d&apos;assistance écrit : {path}</translation>
    </message>
    <message>
        <location filename="../screens/technician.py" line="352"/>
        <source>No cleaning recorded yet.</source>
        <translation>Aucun nettoyage enregistré pour l&apos;instant.</translation>
    </message>
    <message>
        <source>{n} record(s) not sent for more than {days} days: their data cannot be erased. Check the destination (kiosk outbox).</source>
        <translation>{n} dossier(s) non envoyé(s) depuis plus de {days} jours : leurs données ne peuvent pas être effacées. Vérifiez la destination (kiosk outbox).</translation>
    </message>
</context>
<context>
    <name>TechnicianSignInScreen</name>
    <message>
        <location filename="../screens/technician.py" line="79"/>
        <source>Technician sign-in</source>
        <translation>Connexion technicien</translation>
    </message>
    <message>
        <location filename="../screens/technician.py" line="80"/>
        <source>Touch your name, then type your technician PIN.</source>
        <translation>Touchez votre nom, puis tapez votre code technicien.</translation>
    </message>
    <message>
        <location filename="../screens/technician.py" line="83"/>
        <source>No technician is registered. Add one with the command: kiosk technician add NAME</source>
        <translation>Aucun technicien n&apos;est enregistré. Ajoutez-en un avec la commande : kiosk technician add NOM</translation>
    </message>
    <message>
        <location filename="../screens/technician.py" line="86"/>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
</context>
<context>
    <name>TriageScreen</name>
    <message>
        <location filename="../screens/triage.py" line="81"/>
        <source>Signs of an emergency</source>
        <translation>Signes d&apos;urgence</translation>
    </message>
    <message>
        <location filename="../screens/triage.py" line="82"/>
        <source>Ask the patient each question. Does the patient have:</source>
        <translation>Posez chaque question au patient. Le patient a-t-il :</translation>
    </message>
    <message>
        <location filename="../screens/triage.py" line="85"/>
        <source>Yes</source>
        <translation>Oui</translation>
    </message>
    <message>
        <location filename="../screens/triage.py" line="86"/>
        <source>No</source>
        <translation>Non</translation>
    </message>
    <message>
        <location filename="../screens/triage.py" line="87"/>
        <location filename="../screens/triage.py" line="95"/>
        <source>Back</source>
        <translation>Retour</translation>
    </message>
    <message>
        <location filename="../screens/triage.py" line="88"/>
        <location filename="../screens/triage.py" line="96"/>
        <source>Continue</source>
        <translation>Continuer</translation>
    </message>
    <message>
        <location filename="../screens/triage.py" line="89"/>
        <source>Reason for the visit</source>
        <translation>Motif de consultation</translation>
    </message>
    <message>
        <location filename="../screens/triage.py" line="93"/>
        <source>In the patient&apos;s words (optional, required for &apos;Other reason&apos;)</source>
        <translation>Avec les mots du patient (facultatif, obligatoire pour « Autre motif »)</translation>
    </message>
</context>
<context>
    <name>WaitingScreen</name>
    <message>
        <location filename="../screens/call.py" line="216"/>
        <source>The patient sees themselves here: sit well back, face in the middle.</source>
        <translation>Le patient se voit ici : bien assis, le visage au centre de l&apos;image.</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="218"/>
        <source>Waiting for the cabin&apos;s camera...</source>
        <translation>En attente de la caméra de la cabine…</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="219"/>
        <source>Cancel the call</source>
        <translation>Annuler l&apos;appel</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="220"/>
        <source>End the session</source>
        <translation>Terminer la séance</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="221"/>
        <source>Try again</source>
        <translation>Réessayer</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="235"/>
        <source>The call could not be started</source>
        <translation>L&apos;appel n&apos;a pas pu être lancé</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="237"/>
        <source>Looking for a doctor...</source>
        <translation>Recherche d&apos;un médecin…</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="239"/>
        <source>A doctor is joining the call...</source>
        <translation>Un médecin rejoint l&apos;appel…</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="241"/>
        <source>Connecting to the teleconsultation service...</source>
        <translation>Connexion au service de téléconsultation…</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="254"/>
        <source>While waiting, the patient sits comfortably facing the camera. The doctor will appear on this screen.</source>
        <translation>Pendant l&apos;attente, le patient s&apos;installe confortablement face à la caméra. Le médecin apparaîtra sur cet écran.</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="265"/>
        <source>You are next in the queue.</source>
        <translation>Vous êtes le prochain dans la file.</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="266"/>
        <source>You are number {n} in the queue.</source>
        <translation>Vous êtes {n}e dans la file.</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="272"/>
        <source>Estimated wait: less than a minute.</source>
        <translation>Attente estimée : moins d&apos;une minute.</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="274"/>
        <source>Estimated wait: about {minutes} min.</source>
        <translation>Attente estimée : environ {minutes} min.</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="280"/>
        <source>No doctor is online right now: the call keeps its place in the queue.</source>
        <translation>Aucun médecin n&apos;est en ligne pour le moment : l&apos;appel garde sa place dans la file.</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="282"/>
        <source>1 doctor online.</source>
        <translation>1 médecin en ligne.</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="283"/>
        <source>{n} doctors online.</source>
        <translation>{n} médecins en ligne.</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="294"/>
        <source>End the session? The call is cancelled and the patient leaves the cabin.</source>
        <translation>Terminer la séance ? L&apos;appel est annulé et le patient quitte la cabine.</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="295"/>
        <source>Yes, end the session</source>
        <translation>Oui, terminer la séance</translation>
    </message>
    <message>
        <location filename="../screens/call.py" line="296"/>
        <source>No, keep waiting</source>
        <translation>Non, continuer d&apos;attendre</translation>
    </message>
</context>
</TS>
