//! Word lists per language for comment themes: stopwords (the Snowball lists, plus the
//! courtesy words and fillers of short survey comments), negation cues, contrast words that
//! start a new clause, and generic words that carry a judgement but no topic.
//!
//! All lists are lowercase surface forms. A word that is both a negation cue and a stopword
//! ("not", "nicht", "pas") is read as a cue first.

use std::collections::HashSet;
use std::sync::OnceLock;

/// A language the themes read: its stopwords and its Snowball stemmer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Lang {
    En,
    De,
    Fr,
    Es,
    Pt,
}

impl Lang {
    pub const ALL: [Lang; 5] = [Lang::En, Lang::De, Lang::Fr, Lang::Es, Lang::Pt];

    /// A language tag ("pt-BR", "DE", "fr_CH") → the language; unknown tags → `None`.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "de" => Some(Lang::De),
            "fr" => Some(Lang::Fr),
            "es" => Some(Lang::Es),
            "pt" => Some(Lang::Pt),
            _ => None,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The lists as sets, built once.
struct Sets {
    stop: [HashSet<&'static str>; 5],
    negation: [HashSet<&'static str>; 5],
    contrast: [HashSet<&'static str>; 5],
}

fn sets() -> &'static Sets {
    static SETS: OnceLock<Sets> = OnceLock::new();
    SETS.get_or_init(|| {
        let set = |lists: [&'static str; 5]| lists.map(|list| list.split_ascii_whitespace().collect());
        Sets {
            stop: set([EN_STOP, DE_STOP, FR_STOP, ES_STOP, PT_STOP]),
            negation: set([EN_NEGATION, DE_NEGATION, FR_NEGATION, ES_NEGATION, PT_NEGATION]),
            contrast: set([EN_CONTRAST, DE_CONTRAST, FR_CONTRAST, ES_CONTRAST, PT_CONTRAST]),
        }
    })
}

pub fn is_stopword(lang: Lang, word: &str) -> bool {
    sets().stop[lang.index()].contains(word)
}

/// "not", "kein", "n'", "jamais", "sin", "não", and English "…n't" forms.
pub fn is_negation(lang: Lang, word: &str) -> bool {
    (lang == Lang::En && word.ends_with("n't")) || sets().negation[lang.index()].contains(word)
}

/// "but", "aber", "mais", "pero", "mas": what follows is judged on its own.
pub fn is_contrast(lang: Lang, word: &str) -> bool {
    sets().contrast[lang.index()].contains(word)
}

/// Words that judge without naming a topic ("great", "super", "thanks"), as surface forms.
pub fn generic_words(lang: Lang) -> impl Iterator<Item = &'static str> {
    [EN_GENERIC, DE_GENERIC, FR_GENERIC, ES_GENERIC, PT_GENERIC][lang.index()].split_ascii_whitespace()
}

/// French elisions: "l'imprimante" is "imprimante"; "n'" is a negation.
pub const FR_ELISIONS: &[&str] = &["l", "d", "j", "n", "m", "t", "s", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu"];

const EN_STOP: &str = "
a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing down during each else even ever every few for from further
get gets getting got gotten go goes going gone went had has have having he her here hers herself him himself
his how i if in into is it its itself just let lets may me might more most much must my myself nor now of
off on once only or other ought our ours ourselves out over own per quite rather really same shall she
should so some such than that the their theirs them themselves then there these they this those through
to too under until up upon us very via was we were what when where which while who whom whose why will
with would yet you your yours yourself yourselves
i'm you're he's she's it's we're they're i've you've we've they've i'd you'd he'd she'd we'd they'd i'll
you'll he'll she'll we'll they'll let's that's who's what's here's there's when's where's why's how's
im ive id ill youre thats theres whats
already although though however also etc eg ie am pm still anyway actually basically simply especially
one two three first second lot lots bit many several another something anything everything someone anyone
everyone somebody anybody everybody thing things stuff way today yesterday tomorrow
thanks thank thx ty tnx please pls plz hello hi hey dear regards cheers kind ok okay yes yeah yep well
like sure just maybe perhaps come comes came coming take takes took taken taking give gives gave given
put puts say says said seem seems seemed know knew known think thought want wanted need needed use used
try tried keep kept";

const EN_NEGATION: &str = "not no never none nothing nobody neither nor without cannot hardly barely dont didnt
doesnt cant couldnt wont wouldnt isnt wasnt arent werent hasnt havent hadnt shouldnt mustnt aint";

const EN_CONTRAST: &str = "but however although though whereas yet except";

const EN_GENERIC: &str = "good great excellent perfect awesome amazing fantastic wonderful brilliant superb
outstanding nice fine ok okay bad terrible awful horrible poor service job experience overall thanks thank
appreciated appreciate best worst super cool lovely happy satisfied unfortunately sadly";

const DE_STOP: &str = "
aber alle allem allen aller alles als also am an ander andere anderem anderen anderer anderes anderm andern
anderr anders auch auf aus bei bin bis bist da damit dann der den des dem die das dass daß derselbe derselben
denselben desselben demselben dieselbe dieselben dasselbe dazu dein deine deinem deinen deiner deines denn
derer dessen dich dir du dies diese diesem diesen dieser dieses doch dort durch ein eine einem einen einer
eines einig einige einigem einigen einiger einiges einmal er ihn ihm es etwas euer eure eurem euren eurer
eures für gegen gewesen hab habe haben hat hatte hatten hier hin hinter ich mich mir ihr ihre ihrem ihren
ihrer ihres euch im in indem ins ist jede jedem jeden jeder jedes jene jenem jenen jener jenes jetzt kann
können könnte machen man manche manchem manchen mancher manches mein meine meinem meinen meiner meines
mit muss musste nach noch nun nur ob oder sehr sein seine seinem seinen seiner seines selbst sich sie
ihnen sind so solche solchem solchen solcher solches soll sollte sondern sonst über um und uns unsere
unserem unseren unser unseres unter viel vom von vor während war waren warst was weg weil weiter welche
welchem welchen welcher welches wenn werde werden wie wieder will wir wird wirst wo wollen wollte würde
würden zu zum zur zwar zwischen
wurde wurden worden wäre wären hätte hätten habt hast sei seid gibt gab geht ging gehen kam kommt mehr
schon immer mal halt eben ganz gar wirklich echt total sowie bzw usw etc ab seit bereits dabei deshalb
daher ebenfalls heute gestern morgen ja nein okay ok danke dank vielen vielmals bitte hallo gruß grüße
mfg lg liebe lieber sehr geehrte geehrter beim vielleicht etwa eigentlich einfach nochmal nochmals";

const DE_NEGATION: &str = "nicht kein keine keinem keinen keiner keines nie niemals nichts ohne niemand weder";

const DE_CONTRAST: &str = "aber jedoch doch sondern obwohl allerdings trotzdem";

const DE_GENERIC: &str = "gut gute guter gutes super toll klasse prima perfekt ausgezeichnet hervorragend
exzellent schlecht schlimm furchtbar schrecklich service dienst danke zufrieden top spitze leider";

const FR_STOP: &str = "
au aux avec ce ces dans de des du elle en et eux il ils je la le les leur lui ma mais me même mes moi mon ne
nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton tu un une vos votre vous c
d j l à m n s t y été étée étées étés étant étante étants étantes suis es est sommes êtes sont serai seras
sera serons serez seront serais serait serions seriez seraient étais était étions étiez étaient fus fut
fûmes fûtes furent sois soit soyons soyez soient fusse fusses fût fussions fussiez fussent ayant ayante
ayantes ayants eu eue eues eus ai as avons avez ont aurai auras aura aurons aurez auront aurais aurait
aurions auriez auraient avais avait avions aviez avaient eut eûmes eûtes eurent aie aies ait ayons ayez
aient eusse eusses eût eussions eussiez eussent
l' d' j' m' t' s' c' qu' jusqu' lorsqu' puisqu' quoiqu'
cette cet celui celle ceux celles cela ça ceci ici là leurs tout tous toute toutes très trop plus moins
aussi encore déjà alors donc car comme quand où si fait faire avoir être peu beaucoup fois oui non merci
bonjour bonsoir salut cordialement svp stp madame monsieur vraiment assez même puis ensuite après avant
depuis pendant chez vers entre quelque quelques chose choses aujourd hui hier demain ok okay toujours
souvent parfois";

const FR_NEGATION: &str = "ne n' n pas jamais sans aucun aucune rien ni nullement guère";

const FR_CONTRAST: &str = "mais cependant pourtant toutefois néanmoins quoique sauf";

const FR_GENERIC: &str = "bon bonne bons bonnes bien excellent excellente parfait parfaite super génial
géniale formidable top mauvais mauvaise nul nulle terrible horrible service merci satisfait satisfaite
content contente malheureusement";

const ES_STOP: &str = "
de la que el en y a los del se las por un para con una su al lo como más pero sus le ya o este sí porque
esta entre cuando muy sobre también me hasta hay donde quien desde todo nos durante todos uno les
contra otros ese eso ante ellos e esto mí antes algunos qué unos yo otro otras otra él tanto esa estos
mucho quienes muchos cual poco ella estar estas algunas algo nosotros mi mis tú te ti tu tus ellas
nosotras vosotros vosotras os mío mía míos mías tuyo tuya tuyos tuyas suyo suya suyos suyas nuestro nuestra
nuestros nuestras vuestro vuestra vuestros vuestras esos esas estoy estás está estamos estáis están esté
estés estemos estéis estén estaré estarás estará estaremos estaréis estarán estaría estarías estaríamos
estaríais estarían estaba estabas estábamos estabais estaban estuve estuviste estuvo estuvimos estuvisteis
estuvieron estuviera estuvieras estuviéramos estuvierais estuvieran estuviese estuvieses estuviésemos
estuvieseis estuviesen estando estado estada estados estadas estad he has ha hemos habéis han haya hayas
hayamos hayáis hayan habré habrás habrá habremos habréis habrán habría habrías habríamos habríais habrían
había habías habíamos habíais habían hube hubiste hubo hubimos hubisteis hubieron hubiera hubieras
hubiéramos hubierais hubieran hubiese hubieses hubiésemos hubieseis hubiesen habiendo habido habida
habidos habidas soy eres es somos sois son sea seas seamos seáis sean seré serás será seremos seréis
serán sería serías seríamos seríais serían era eras éramos erais eran fui fuiste fue fuimos fuisteis
fueron fuera fueras fuéramos fuerais fueran fuese fueses fuésemos fueseis fuesen siendo sido tengo tienes
tiene tenemos tenéis tienen tenga tengas tengamos tengáis tengan tendré tendrás tendrá tendremos tendréis
tendrán tendría tendrías tendríamos tendríais tendrían tenía tenías teníamos teníais tenían tuve tuviste
tuvo tuvimos tuvisteis tuvieron tuviera tuvieras tuviéramos tuvierais tuvieran tuviese tuvieses
tuviésemos tuvieseis tuviesen teniendo tenido tenida tenidos tenidas tened
si mas aún todavía siempre vez veces hoy ayer mañana hace hizo hecho puede pudo pueden muchas mucha
gracias hola saludos favor vale ok okay señor señora usted ustedes cosa cosas algún alguna alguno ahora
luego después así aquí allí solo sólo bastante demasiado realmente sigue siguen sigo seguir
siempre";

const ES_NEGATION: &str = "no nunca jamás sin nada ningún ninguno ninguna nadie tampoco ni";

const ES_CONTRAST: &str = "pero sino aunque embargo excepto";

const ES_GENERIC: &str = "bueno buena buenos buenas bien excelente perfecto perfecta genial estupendo
estupenda fantástico fantástica malo mala malos malas terrible horrible servicio gracias satisfecho
satisfecha contento contenta desafortunadamente lamentablemente";

const PT_STOP: &str = "
de a o que e do da em um para com uma os no se na por mais as dos como mas ao ele das à seu sua ou
quando muito nos já eu também só pelo pela até isso ela entre depois mesmo aos seus quem nas me esse
eles você essa num suas meu às minha numa pelos elas qual nós lhe deles essas esses pelas este dele tu
te vocês vos lhes meus minhas teu tua teus tuas nosso nossa nossos nossas dela delas esta estes estas
aquele aquela aqueles aquelas isto aquilo estou está estamos estão estive esteve estivemos estiveram
estava estávamos estavam estivera estivéramos esteja estejamos estejam estivesse estivéssemos estivessem
estiver estivermos estiverem hei há havemos hão houve houvemos houveram houvera houvéramos haja hajamos
hajam houvesse houvéssemos houvessem houver houvermos houverem houverei houverá houveremos houverão
houveria houveríamos houveriam sou somos são era éramos eram fui foi fomos foram fora fôramos seja
sejamos sejam fosse fôssemos fossem for formos forem serei será seremos serão seria seríamos seriam tenho
tem temos tém tinha tínhamos tinham tive teve tivemos tiveram tivera tivéramos tenha tenhamos tenham
tivesse tivéssemos tivessem tiver tivermos tiverem terei terá teremos terão teria teríamos teriam
muita muitos muitas ainda sempre vez vezes hoje ontem amanhã pode pôde podem obrigado obrigada
obrigados olá oi favor sim ok okay senhor senhora coisa coisas algum alguma alguns algumas agora logo
então assim aqui ali bastante demais realmente pois porque porquê sobre desde cada todo toda todos todas
tudo continua continuam";

const PT_NEGATION: &str = "não nao nunca jamais sem nada nenhum nenhuma ninguém nem";

const PT_CONTRAST: &str = "mas porém contudo entretanto todavia embora exceto";

const PT_GENERIC: &str = "bom boa bons boas bem excelente perfeito perfeita ótimo ótima otimo otima
maravilhoso maravilhosa fantástico fantástica ruim péssimo péssima terrível horrível serviço servico
obrigado obrigada satisfeito satisfeita contente infelizmente";
