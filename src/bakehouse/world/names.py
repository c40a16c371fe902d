"""Names for the synthetic world: forenames, surnames, nicknames and invented street names.

The lists are our own, typed in from general knowledge of names common in England and Wales. Each
list is written in rough order of frequency and weighted by rank with a Zipf-like curve, which is
how name frequencies fall off in real registers: the commonest surname is about thirty times as
frequent as the three-hundredth. That skew matters, because linkage weighs an agreement on a rare
name more than one on a common name.

Heritage lists are mixed with the general lists in proportions that reflect that many British
people of every heritage carry names from the general lists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np


def _names(text: str) -> tuple[str, ...]:
    """Comma-separated names, in order of frequency (entries may contain spaces)."""
    return tuple(name.strip() for name in text.split(",") if name.strip())


# --- forenames ---------------------------------------------------------------------------------
# Two eras per sex, because forename fashions change: parents born 1950-1990 carry different
# names from children born 1995-2025.

_MALE_OLDER = _names("""
    David, John, Paul, Mark, Michael, Andrew, Peter, Stephen, Robert, Richard, Ian, Christopher,
    Gary, Kevin, Anthony, Simon, Martin, Neil, Steven, Darren, James, Lee, Jason, Matthew, Daniel,
    Craig, Wayne, Dean, Carl, Stuart, Graham, Keith, Colin, Alan, Brian, Philip, Jonathan, Thomas,
    Adam, Scott, Shaun, Russell, Trevor, Nigel, Timothy, Nicholas, Barry, Terry, William, Jamie,
    Ryan, Lee, Glenn, Gavin, Dominic, Jeremy, Robin, Tony, Kenneth, Raymond, Roger, Derek,
    Malcolm, Gordon, Geoffrey, Clive, Julian, Damian, Edward, Joseph, Benjamin, Luke, Sean, Dale,
    Ashley, Roy, Leslie, Gareth, Rhys, Owen, Kieran, Liam, Samuel, Marcus, Jack, Aaron, Karl,
    Justin, Ross, Gregory, Patrick, Francis, Vincent, Dennis, Howard, Duncan, Alexander, Huw
""")

_MALE_YOUNGER = _names("""
    Oliver, George, Harry, Jack, Noah, Leo, Charlie, Jacob, Thomas, Oscar, Arthur, William, Alfie,
    Freddie, Henry, Joshua, James, Archie, Theo, Alexander, Isaac, Edward, Lucas, Max, Ethan,
    Mason, Logan, Finley, Daniel, Samuel, Joseph, Dylan, Riley, Harrison, Teddy, Tommy, Reggie,
    Albie, Ronnie, Sebastian, Lewis, Callum, Connor, Kyle, Jordan, Bradley, Nathan, Matthew, Adam,
    Luke, Jake, Ryan, Tyler, Jayden, Kai, Louie, Toby, Elliot, Luca, Jude, Rory, Hugo, Benjamin,
    Owen, Alex, Frankie, Stanley, Zachary, Elijah, Ezra, Jenson, Bobby, Hunter, Caleb, Blake,
    Felix, Louis, Harley, Sonny, Rowan, Ellis, Reuben, Jaxon, Jamie, Cameron, Kian, Morgan,
    Aaron, Liam, Ben, Michael, Tristan, Gabriel, Nathaniel, Brandon, Kayden, Rhys, Evan, Dexter,
    Ollie, Billy, Carter, Austin, Spencer, Jesse, Ashton, Aiden, Tobias, Otis, Roman
""")

_FEMALE_OLDER = _names("""
    Susan, Sarah, Julie, Karen, Tracey, Nicola, Lisa, Claire, Michelle, Joanne, Helen, Amanda,
    Elizabeth, Deborah, Emma, Rebecca, Louise, Kelly, Jennifer, Margaret, Patricia, Linda,
    Jacqueline, Alison, Catherine, Dawn, Sharon, Donna, Angela, Caroline, Rachel, Samantha,
    Victoria, Gemma, Kerry, Natalie, Laura, Stacey, Hayley, Kirsty, Leanne, Jane, Anne, Christine,
    Gillian, Janet, Lorraine, Wendy, Sandra, Carol, Diane, Denise, Beverley, Tina, Maria, Paula,
    Kim, Sally, Teresa, Fiona, Jill, Ruth, Joanna, Zoe, Charlotte, Amy, Jessica, Hannah, Lucy,
    Katie, Sophie, Danielle, Jade, Kayleigh, Lindsey, Melanie, Tanya, Maxine, Mandy, Sonia,
    Vanessa, Yvonne, Marie, Katherine, Kathryn, Suzanne, Lynn, Heather, Pauline, Andrea, Siân,
    Rhiannon, Lesley, Shirley, Valerie, Ann, Emily, Stephanie, Jodie, Sara
""")

_FEMALE_YOUNGER = _names("""
    Olivia, Amelia, Isla, Ava, Mia, Lily, Emily, Sophia, Grace, Freya, Isabella, Ivy, Poppy,
    Ella, Evie, Charlotte, Rosie, Florence, Willow, Elsie, Sophie, Jessica, Chloe, Daisy, Evelyn,
    Sienna, Sofia, Phoebe, Matilda, Isabelle, Millie, Alice, Ruby, Harper, Emma, Holly, Megan,
    Lauren, Bethany, Hannah, Abigail, Ellie, Eva, Layla, Maya, Lola, Scarlett, Esme, Aria,
    Maisie, Violet, Harriet, Erin, Molly, Amber, Paige, Courtney, Shannon, Leah, Georgia, Katie,
    Lucy, Amy, Jasmine, Zara, Imogen, Eliza, Orla, Thea, Bonnie, Darcie, Lottie, Nancy, Luna,
    Hallie, Zoë, Elizabeth, Mollie, Ellie-Mae, Lacey, Summer, Gracie, Ella-Rose, Tilly, Niamh,
    Caitlin, Rebecca, Natasha, Kayla, Alexis, Francesca, Hollie, Libby, Robyn, Skye, Madison,
    Penelope, Aurora, Margot, Mabel, Edith, Iris, Hazel, Beatrice, Annabelle, Eleanor
""")

_MALE_ASIAN = _names("""
    Muhammad, Mohammed, Ali, Ahmed, Mohammad, Hassan, Ibrahim, Yusuf, Zain, Ayaan, Rayyan, Hamza,
    Omar, Bilal, Imran, Arjun, Aarav, Rohan, Abdul, Asif, Tariq, Khalid, Amir, Vihaan, Krishna,
    Rahul, Sanjay, Raj, Ravi, Vikram, Amit, Deepak, Sunil, Harpreet, Gurpreet, Jaspreet,
    Manpreet, Sukhdeep, Rahim, Shahid, Faisal, Adnan, Usman, Kamran, Arif, Nadeem, Sajid, Waqas,
    Dev, Aryan, Ishaan, Nikhil, Anil, Mahesh, Rakesh, Shafiq, Jamal, Rizwan, Zakaria, Yahya,
    Musa, Idris, Ismail, Haroon, Saif, Aadam, Ayan, Arhaan, Kabir, Veer
""")

_FEMALE_ASIAN = _names("""
    Fatima, Aisha, Maryam, Zainab, Khadija, Amina, Hafsa, Inaaya, Aleena, Anaya, Zara, Sana,
    Ayesha, Nadia, Samina, Shabana, Nasreen, Farzana, Rukhsana, Shazia, Saima, Yasmin, Priya,
    Anjali, Pooja, Neha, Kavita, Sunita, Anita, Meera, Divya, Riya, Isha, Simran, Harleen,
    Gurleen, Amrit, Navdeep, Parveen, Rabia, Sadia, Mariam, Hana, Noor, Laila, Iqra, Alisha,
    Hiba, Safiya, Sumaya, Amira, Tahira, Anika, Aaliyah, Eshal, Haniya, Mehreen, Sakina
""")

_MALE_BLACK = _names("""
    Daniel, David, Samuel, Joshua, Emmanuel, Michael, Joseph, Isaac, Elijah, Nathaniel, Jayden,
    Malachi, Josiah, Caleb, Marcus, Tyrone, Andre, Kwame, Kofi, Kojo, Kwabena, Yaw, Chidi,
    Chinedu, Emeka, Obinna, Tunde, Oluwaseun, Olumide, Ayodele, Femi, Babajide, Segun, Adebayo,
    Abdi, Mohamed, Abdullahi, Tendai, Tinashe, Blessing, Godfrey, Prince, Jermaine, Delroy,
    Winston, Leon, Ezekiel, Tobi, Damilola, Kayode, Ikenna, Nnamdi, Chukwuemeka, Tariq, Kehinde,
    Taiwo, Israel, Favour, Gideon, Levi
""")

_FEMALE_BLACK = _names("""
    Grace, Blessing, Precious, Favour, Faith, Esther, Ruth, Deborah, Abigail, Comfort, Patience,
    Mercy, Joy, Chioma, Ngozi, Adaeze, Amarachi, Chiamaka, Folake, Funmilayo, Yetunde, Temitope,
    Oluwakemi, Adeola, Bukola, Abena, Akosua, Ama, Efua, Adwoa, Nia, Imani, Kezia, Tamika,
    Shanice, Keisha, Simone, Jada, Aaliyah, Zuri, Amara, Hodan, Fadumo, Ayan, Hawa, Nyasha,
    Rutendo, Tanisha, Marcia, Janelle, Monique, Destiny, Princess, Success, Oluwatobi, Anointing,
    Tiwa, Eniola, Ifeoma, Zainab
""")

_MALE_WHITE_OTHER = _names("""
    Jakub, Kacper, Szymon, Filip, Mateusz, Michał, Bartosz, Dawid, Piotr, Tomasz, Krzysztof,
    Paweł, Marcin, Łukasz, Adrian, Kamil, Damian, Andrei, Alexandru, Ionuț, Mihai, Gabriel,
    Stefan, Florin, Cristian, Vlad, Bogdan, Darius, Luca, Matei, Tudor, Lukas, Mantas, Tomas,
    Jonas, Dovydas, Matas, Nojus, Deividas, Gintaras, Artūrs, Jānis, Georgi, Ivan, Dimitar,
    Nikolai, João, Tiago, Rafael, Diogo, Marco, Giuseppe, Alessandro, Klaus, Sebastian, Oskar,
    Antoni, Wojciech, Grzegorz, Sergiu
""")

_FEMALE_WHITE_OTHER = _names("""
    Zuzanna, Julia, Zofia, Hanna, Maja, Lena, Oliwia, Amelia, Natalia, Wiktoria, Aleksandra,
    Magdalena, Agnieszka, Katarzyna, Joanna, Anna, Monika, Ewa, Marta, Karolina, Ioana, Maria,
    Elena, Andreea, Alexandra, Gabriela, Bianca, Daria, Sofia, Ana, Cristina, Mihaela, Emilija,
    Ugnė, Gabija, Austėja, Kotryna, Ieva, Rasa, Laura, Inga, Līga, Ivana, Desislava, Yana,
    Beatriz, Inês, Mariana, Giulia, Chiara, Francesca, Katja, Petra, Eliška, Alicja, Dominika,
    Paulina, Roxana, Larisa, Patricia
""")

_MALE_OTHER = _names("""
    Mohammed, Ahmed, Ali, Omar, Youssef, Karim, Mustafa, Emre, Mehmet, Yusuf, Burak, Can, Wei,
    Jun, Hao, Jian, Ming, Jose, Mark, John Paul, Reza, Amir, Dariush, Hamid, Farhad, Sherzad,
    Rawand, Karwan, Dara, Arman, Kian, Ryan, Daniel, Adam, Jacob, Minh, Tuan, Hieu, Anh, Samir,
    Hussein, Tarek, Rami, Bashir, Zaid, Kenji, Hiroshi, Luis, Carlos, Diego
""")

_FEMALE_OTHER = _names("""
    Fatima, Mariam, Sara, Layla, Nour, Yasmin, Hiba, Zeynep, Elif, Ayşe, Merve, Mei, Li, Xin,
    Yan, Hui, Ling, Maria, Angel, Princess, Mary Grace, Shirin, Leila, Parisa, Niloufar, Roya,
    Dilan, Rojin, Shilan, Hana, Lina, Rania, Linh, Thao, Ngoc, Hoa, Ana, Jasmine, Amal, Dina,
    Salma, Yuki, Sakura, Lucia, Carmen, Valentina, Camila, Gabriela, Joy, Rose
""")

# --- surnames ----------------------------------------------------------------------------------

_SURNAMES_GENERAL = _names("""
    Smith, Jones, Williams, Taylor, Brown, Davies, Evans, Wilson, Thomas, Johnson, Roberts,
    Robinson, Thompson, Wright, Walker, White, Edwards, Hughes, Green, Hall, Lewis, Harris,
    Clarke, Jackson, Wood, Turner, Martin, Cooper, Hill, Ward, Morris, Moore, Clark, Lee, King,
    Baker, Harrison, Morgan, Allen, James, Scott, Phillips, Watson, Davis, Parker, Price, Bennett,
    Young, Griffiths, Mitchell, Kelly, Cook, Carter, Richardson, Bailey, Collins, Bell, Shaw,
    Murphy, Miller, Cox, Richards, Marshall, Anderson, Simpson, Ellis, Adams, Wilkinson, Foster,
    Chapman, Powell, Webb, Rogers, Gray, Mason, Hunt, Campbell, Matthews, Owen, Palmer, Holmes,
    Mills, Barnes, Knight, Lloyd, Butler, Russell, Barker, Fisher, Stevens, Jenkins, Murray,
    Dixon, Harvey, Graham, Pearson, Fletcher, Walsh, Gibson, Howard, Andrews, Stewart, Elliott,
    Reynolds, Saunders, Payne, Fox, Ford, Pearce, Day, Brooks, West, Lawrence, Cole, Atkinson,
    Bradley, Spencer, Gill, Dawson, Ball, Burton, O'Brien, Watts, Rose, Booth, Perry, Ryan,
    Grant, Wells, Armstrong, Francis, Rees, Hayes, Hart, Hudson, Newman, Barrett, Webster,
    Hunter, Gregory, Carr, Lowe, Page, Marsh, Riley, Dunn, Woods, Parsons, Berry, Stone, Reid,
    Holland, Hawkins, Harding, Porter, Robertson, Newton, Oliver, Reed, Kennedy, Williamson,
    Bird, Gardner, Dean, Lane, Cunningham, Warren, Nicholson, Gordon, Burns, Hamilton, Sutton,
    Wallace, Doyle, Fuller, Chambers, Holt, Hopkins, Arnold, Pritchard, Thomson, Paterson,
    Ross, Fraser, MacDonald, McDonald, Mackenzie, Sinclair, Ferguson, Cameron, Kerr, Munro,
    McLean, O'Sullivan, O'Connor, McCarthy, Byrne, O'Neill, Doherty, Quinn, Gallagher, Kavanagh,
    Brennan, Fitzgerald, Lynch, Maguire, Flynn, Nolan, Donnelly, Connolly, Howells, Bevan, Parry,
    Pugh, Vaughan, Prosser, Llewellyn, Humphreys, Morgan-Jones, Austin, Bishop, Black, Bowen,
    Bull, Burgess, Cartwright, Coleman, Curtis, Dale, Dennis, Dyer, Emery, Farmer, Field,
    Finch, Fowler, French, Frost, George, Gilbert, Goodwin, Hammond, Hancock, Harper, Hewitt,
    Hicks, Hobbs, Hodgson, Horton, Hurst, Jarvis, Jennings, Johnston, Kemp, Kirby, Knowles,
    Lamb, Little, Lucas, Manning, May, Mann, Moss, Nash, Norris, Osborne, Pope, Potter, Randall,
    Read, Rowe, Sharp, Sims, Slater, Steele, Summers, Swift, Talbot, Tucker, Vincent, Wade,
    Walters, Watkins, Welch, Wheeler, Whitehead, Wiggins, Willis, Wise, Wyatt, Yates, Abbott,
    Ashton, Baxter, Bolton, Bond, Brady, Chandler, Cross, Daniels, Davidson, Dobson, Drake,
    Fleming, Gough, Hale, Haynes, Higgins, Howe, Ingram, Kent, Leach, Marriott, Mead, Moran,
    Norman, Pike, Preston, Rowley, Sheppard, Stanley, Tanner, Thorpe, Tyler, Warner, Whittaker
""")

_SURNAMES_ASIAN = _names("""
    Khan, Patel, Ali, Ahmed, Hussain, Begum, Singh, Kaur, Shah, Akhtar, Iqbal, Mahmood, Rahman,
    Islam, Hussein, Bibi, Sharma, Kumar, Malik, Mohammed, Uddin, Miah, Aslam, Raja, Butt,
    Chaudhry, Qureshi, Sheikh, Hassan, Anwar, Rashid, Saleem, Javed, Akram, Riaz, Ashraf, Bashir,
    Gupta, Mistry, Desai, Joshi, Mehta, Parmar, Chauhan, Solanki, Gill, Sandhu, Dhillon, Sidhu,
    Bains, Johal, Choudhury, Chowdhury, Hoque, Haque, Sarkar, Das, Ghosh, Nair, Pillai, Reddy,
    Rao, Perera, Fernando
""")

_SURNAMES_BLACK = _names("""
    Okafor, Adeyemi, Mensah, Osei, Owusu, Boateng, Asante, Appiah, Okonkwo, Okoro, Eze, Nwosu,
    Adebayo, Oladipo, Ogunleye, Afolabi, Balogun, Bakare, Adewale, Olawale, Ibrahim, Mohamed,
    Abdi, Hassan, Yusuf, Ali, Farah, Warsame, Moyo, Ncube, Dube, Banda, Phiri, Mwangi, Otieno,
    Kamara, Conteh, Sesay, Bangura, Campbell, Brown, Williams, Francis, Clarke, Grant, Reid,
    Thomas, Johnson, Henry, Edwards, Lewis, Gordon, Morgan, Bailey, Richards, Forbes, McKenzie,
    Samuels, Bennett, Douglas, Powell, Anderson, Allen, James, Mitchell
""")

_SURNAMES_WHITE_OTHER = _names("""
    Nowak, Kowalczyk, Wójcik, Kamiński, Lewandowski, Zieliński, Szymański, Woźniak, Dąbrowski,
    Kozłowski, Mazur, Krawczyk, Kaczmarek, Zając, Król, Wieczorek, Wróbel, Sikora, Baran, Michalak,
    Popescu, Ionescu, Popa, Pop, Radu, Dumitru, Stan, Stoica, Gheorghe, Munteanu, Constantin,
    Matei, Moldovan, Lazăr, Rusu, Kazlauskas, Jankauskas, Petrauskas, Stankevičius, Vasiliauskas,
    Bērziņš, Kalniņš, Ozols, Ivanov, Georgiev, Dimitrov, Petrov, Silva, Santos, Ferreira,
    Pereira, Costa, Oliveira, Rodrigues, Martins, Rossi, Russo, Esposito, Bianchi, Romano,
    Müller, Schmidt, Novák, Horváth, Kovács, Nagy, Papadopoulos, Demir, Hoxha, Krasniqi
""")

_SURNAMES_OTHER = _names("""
    Ahmed, Ali, Mohammed, Hassan, Hussein, Abdullah, Ibrahim, Mahmoud, Saleh, Mansour, Haddad,
    Khalil, Nasser, Yilmaz, Kaya, Demir, Şahin, Çelik, Öztürk, Aydin, Arslan, Wang, Li, Zhang,
    Liu, Chen, Yang, Huang, Zhao, Wu, Zhou, Lin, Wong, Chan, Cheung, Lam, Ng, Nguyen, Tran, Le,
    Pham, Hoang, Santos, Reyes, Cruz, Bautista, Garcia, Mendoza, Rahimi, Karimi, Hosseini,
    Mohammadi, Ahmadi, Rezaei, Amin, Aziz, Omar, Tanaka, Suzuki, Sato, Gonzalez, Rodriguez,
    Lopez, Martinez, Kim, Park
""")


# Real registers have a long tail of rare surnames that no typed list can hold. Many English
# surnames are place names built from a stem and an ending (Ashford, Thornley), so the tail is
# built the same way and drawn flat.
_TAIL_STEMS = _names("""
    Ash, Black, Brad, Brom, Bur, Cal, Chad, Chester, Cran, Dal, Ding, Elm, Fair, Farn, Gold,
    Hal, Ham, Hart, Hay, Hol, Hors, Kings, Lang, Lin, Mar, Mid, Mor, New, North, Ox, Pen, Ram,
    Red, Rock, Rother, Sal, Shel, Staf, Stan, Sud, Thorn, Thurs, Wal, War, Wes, Whit, Wim, Win,
    Wolver, Wood, Ather, Bram, Brig, Crom, Dun, Ever, Fen, Gar, Hen, Lud
""")
_TAIL_ENDINGS = _names("""
    ford, ley, ton, by, well, wood, ham, field, worth, more, stone, bury, combe, hurst, den,
    ridge, brook, dale, land, shaw, wick, thorpe, croft, low
""")
_SURNAME_TAIL_SHARE = 0.4


# Every typed forename and surname, for readers outside the world (the personal data screener
# looks names up in them); the built surname tail is left out because it is invented.
FORENAMES: tuple[str, ...] = tuple(
    dict.fromkeys(
        _MALE_OLDER
        + _MALE_YOUNGER
        + _FEMALE_OLDER
        + _FEMALE_YOUNGER
        + _MALE_ASIAN
        + _FEMALE_ASIAN
        + _MALE_BLACK
        + _FEMALE_BLACK
        + _MALE_WHITE_OTHER
        + _FEMALE_WHITE_OTHER
        + _MALE_OTHER
        + _FEMALE_OTHER
    )
)
SURNAMES: tuple[str, ...] = tuple(
    dict.fromkeys(
        _SURNAMES_GENERAL
        + _SURNAMES_ASIAN
        + _SURNAMES_BLACK
        + _SURNAMES_WHITE_OTHER
        + _SURNAMES_OTHER
    )
)


# --- drawing -----------------------------------------------------------------------------------


def _rank_cumulative(n: int) -> np.ndarray:
    """Cumulative probabilities of Zipf-like weights by rank."""
    weights = 1.0 / (np.arange(n) + 3.0) ** 0.8
    cumulative: np.ndarray = np.cumsum(weights)
    cumulative /= cumulative[-1]
    return cumulative


@dataclass(frozen=True)
class _Pool:
    """A weighted list of names, ready for vectorised draws."""

    names: np.ndarray
    cumulative: np.ndarray

    @classmethod
    def of(cls, *lists: tuple[str, ...]) -> _Pool:
        # Names repeated across lists (or within one) keep their first, most frequent rank.
        merged = list(dict.fromkeys(name for names in lists for name in names))
        return cls(np.array(merged, dtype=object), _rank_cumulative(len(merged)))

    @classmethod
    def flat(cls, names: list[str]) -> _Pool:
        return cls(np.array(names, dtype=object), np.arange(1, len(names) + 1) / len(names))

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        index = np.searchsorted(self.cumulative, rng.random(n), side="right")
        return self.names[np.minimum(index, len(self.names) - 1)]


def _interleave(first: tuple[str, ...], second: tuple[str, ...]) -> tuple[str, ...]:
    """Alternate two frequency-ordered lists so that both eras keep their top names' weight."""
    pairs = zip(first, second, strict=False)
    longer = first if len(first) > len(second) else second
    return tuple(name for pair in pairs for name in pair) + longer[min(len(first), len(second)) :]


# Adults and children are about equally many in the world, so the eras are merged evenly.
_GENERAL_MALE = _Pool.of(_interleave(_MALE_YOUNGER, _MALE_OLDER))
_GENERAL_FEMALE = _Pool.of(_interleave(_FEMALE_YOUNGER, _FEMALE_OLDER))
_GENERAL_BY_ERA: dict[tuple[str, bool], _Pool] = {
    ("M", False): _Pool.of(_MALE_OLDER),
    ("M", True): _Pool.of(_MALE_YOUNGER),
    ("F", False): _Pool.of(_FEMALE_OLDER),
    ("F", True): _Pool.of(_FEMALE_YOUNGER),
}
# Births from 1985 to 2000 move gradually from the older names to the younger ones.
_ERA_TURN = (1985, 2000)

_FORENAME_POOLS: dict[tuple[str, str], _Pool] = {
    ("M", "ASIA"): _Pool.of(_MALE_ASIAN),
    ("F", "ASIA"): _Pool.of(_FEMALE_ASIAN),
    ("M", "BLAC"): _Pool.of(_MALE_BLACK),
    ("F", "BLAC"): _Pool.of(_FEMALE_BLACK),
    ("M", "WOTH"): _Pool.of(_MALE_WHITE_OTHER),
    ("F", "WOTH"): _Pool.of(_FEMALE_WHITE_OTHER),
    ("M", "OTHE"): _Pool.of(_MALE_OTHER),
    ("F", "OTHE"): _Pool.of(_FEMALE_OTHER),
}

_SURNAME_GENERAL = _Pool.of(_SURNAMES_GENERAL)
_SURNAME_TAIL = _Pool.flat([stem + ending for stem in _TAIL_STEMS for ending in _TAIL_ENDINGS])
_SURNAME_POOLS: dict[str, _Pool] = {
    "ASIA": _Pool.of(_SURNAMES_ASIAN),
    "BLAC": _Pool.of(_SURNAMES_BLACK),
    "WOTH": _Pool.of(_SURNAMES_WHITE_OTHER),
    "OTHE": _Pool.of(_SURNAMES_OTHER),
}

# Share of each group drawn from its heritage list; the rest come from the general lists.
# Mixed heritage draws its heritage share half from Black and half from Asian lists.
_FORENAME_HERITAGE_SHARE = {
    "WBRI": 0.0,
    "WOTH": 0.75,
    "MIXD": 0.3,
    "ASIA": 0.85,
    "BLAC": 0.55,
    "OTHE": 0.65,
}
_SURNAME_HERITAGE_SHARE = {
    "WBRI": 0.0,
    "WOTH": 0.9,
    "MIXD": 0.3,
    "ASIA": 0.97,
    "BLAC": 0.75,
    "OTHE": 0.85,
}


def _heritage_of(
    rng: np.random.Generator, ethnicity: np.ndarray, share: dict[str, float]
) -> np.ndarray:
    """The list each person draws from: an ethnicity code, or "" for the general list."""
    source = np.full(len(ethnicity), "", dtype=object)
    u = rng.random(len(ethnicity))
    for code, p in share.items():
        source[(ethnicity == code) & (u < p)] = code
    mixed = source == "MIXD"
    source[mixed] = np.where(rng.random(int(mixed.sum())) < 0.5, "BLAC", "ASIA")
    return source


def draw_forenames(
    rng: np.random.Generator,
    sex: np.ndarray,
    ethnicity: np.ndarray,
    birth_years: np.ndarray | None = None,
) -> np.ndarray:
    """One forename per person, by sex ("F"/"M") and DfE ethnicity major group code.

    With ``birth_years``, names from the general lists follow the fashion of each person's
    generation (no Susans born in 2018); without, the generations are mixed evenly.
    """
    sex = np.asarray(sex, dtype=object)
    ethnicity = np.asarray(ethnicity, dtype=object)
    heritage = _heritage_of(rng, ethnicity, _FORENAME_HERITAGE_SHARE)
    out = np.empty(len(sex), dtype=object)
    general = heritage == ""
    if birth_years is None:
        for s, pool in (("F", _GENERAL_FEMALE), ("M", _GENERAL_MALE)):
            mask = (sex == s) & general
            out[mask] = pool.draw(rng, int(mask.sum()))
    else:
        start, end = _ERA_TURN
        younger_share = np.clip((np.asarray(birth_years) - start) / (end - start), 0.0, 1.0)
        younger = rng.random(len(sex)) < younger_share
        for (s, young), pool in _GENERAL_BY_ERA.items():
            mask = (sex == s) & general & (younger == young)
            out[mask] = pool.draw(rng, int(mask.sum()))
    for (s, code), pool in _FORENAME_POOLS.items():
        mask = (sex == s) & (heritage == code)
        out[mask] = pool.draw(rng, int(mask.sum()))
    return out


def draw_surnames(rng: np.random.Generator, ethnicity: np.ndarray) -> np.ndarray:
    """One surname per person (or per household, if called with one row per household)."""
    ethnicity = np.asarray(ethnicity, dtype=object)
    heritage = _heritage_of(rng, ethnicity, _SURNAME_HERITAGE_SHARE)
    out = np.empty(len(ethnicity), dtype=object)
    general = heritage == ""
    tail = general & (rng.random(len(ethnicity)) < _SURNAME_TAIL_SHARE)
    out[general & ~tail] = _SURNAME_GENERAL.draw(rng, int((general & ~tail).sum()))
    out[tail] = _SURNAME_TAIL.draw(rng, int(tail.sum()))
    for code, pool in _SURNAME_POOLS.items():
        mask = heritage == code
        out[mask] = pool.draw(rng, int(mask.sum()))
    return out


# --- nicknames and variant spellings ------------------------------------------------------------
# What a person is called by an agency that did not see a birth certificate: short forms,
# familiar forms and the transliteration variants that different systems settle on.

NICKNAMES: Mapping[str, tuple[str, ...]] = {
    "Alexander": ("Alex", "Alec", "Sandy", "Xander"),
    "Alexandra": ("Alex", "Alexa", "Sasha", "Lexi"),
    "Andrew": ("Andy", "Drew"),
    "Anthony": ("Tony", "Ant"),
    "Abigail": ("Abbie", "Abby", "Gail"),
    "Amelia": ("Millie", "Amy", "Mia"),
    "Archibald": ("Archie",),
    "Arthur": ("Art", "Artie"),
    "Benjamin": ("Ben", "Benny", "Benji"),
    "Bradley": ("Brad",),
    "Callum": ("Cal",),
    "Catherine": ("Cathy", "Kate", "Katie", "Cath"),
    "Charles": ("Charlie", "Chas", "Chuck"),
    "Charlotte": ("Charlie", "Lottie", "Lotte"),
    "Christine": ("Chris", "Chrissie", "Tina"),
    "Christopher": ("Chris", "Kit"),
    "Cristian": ("Cristi",),
    "Daniel": ("Dan", "Danny"),
    "Danielle": ("Dani", "Elle"),
    "David": ("Dave", "Davey", "Dai"),
    "Deborah": ("Debbie", "Debs", "Deb"),
    "Dominic": ("Dom",),
    "Edward": ("Ed", "Eddie", "Ted", "Ned"),
    "Eleanor": ("Ellie", "Nell", "Nora"),
    "Elizabeth": ("Liz", "Beth", "Lizzie", "Betty", "Eliza"),
    "Ellie-Mae": ("Ellie",),
    "Emily": ("Em", "Emmy"),
    "Florence": ("Flo", "Florrie"),
    "Francesca": ("Fran", "Frankie"),
    "Frederick": ("Fred", "Freddie"),
    "Gabriel": ("Gabe",),
    "Gabriela": ("Gabi",),
    "Gareth": ("Gaz",),
    "Gary": ("Gaz",),
    "Gregory": ("Greg",),
    "Harriet": ("Hattie", "Harry"),
    "Henry": ("Harry", "Hal"),
    "Isabella": ("Bella", "Izzy", "Isa"),
    "Isabelle": ("Izzy", "Belle"),
    "Jacob": ("Jake", "Jay"),
    "Jacqueline": ("Jackie", "Jacqui"),
    "Jakub": ("Kuba",),
    "James": ("Jim", "Jimmy", "Jamie", "Jay"),
    "Jennifer": ("Jenny", "Jen", "Jenna"),
    "Jessica": ("Jess", "Jessie"),
    "Joanne": ("Jo", "Joanna"),
    "Johnathan": ("John", "Jon"),
    "John": ("Jack", "Johnny", "Jon"),
    "Jonathan": ("Jon", "Jonny", "Nathan"),
    "Joseph": ("Joe", "Joey"),
    "Joshua": ("Josh",),
    "Katarzyna": ("Kasia",),
    "Katherine": ("Kate", "Kathy", "Kat"),
    "Kathryn": ("Kate", "Kath"),
    "Kenneth": ("Ken", "Kenny"),
    "Kimberley": ("Kim",),
    "Krzysztof": ("Krzys",),
    "Leonard": ("Len", "Leo"),
    "Lewis": ("Lew",),
    "Louise": ("Lou", "Lulu"),
    "Magdalena": ("Magda",),
    "Margaret": ("Maggie", "Peggy", "Meg", "Margo"),
    "Matilda": ("Tilly", "Tilda"),
    "Matthew": ("Matt", "Matty"),
    "Michael": ("Mike", "Mick", "Mikey"),
    "Michał": ("Michal", "Michael"),
    "Mohammad": ("Mohammed", "Muhammad", "Mohamed"),
    "Mohammed": ("Mohammad", "Muhammad", "Mohamed", "Mohd"),
    "Mohamed": ("Mohammed", "Mohamud"),
    "Muhammad": ("Mohammed", "Muhammed", "Mohammad"),
    "Natalie": ("Nat",),
    "Natasha": ("Tasha", "Nat"),
    "Nathaniel": ("Nathan", "Nate"),
    "Nicholas": ("Nick", "Nicky"),
    "Nicola": ("Nicky", "Nikki"),
    "Oliver": ("Ollie", "Olly"),
    "Olivia": ("Liv", "Livvy", "Ollie"),
    "Patricia": ("Pat", "Patsy", "Trish"),
    "Patrick": ("Pat", "Paddy"),
    "Penelope": ("Penny",),
    "Peter": ("Pete",),
    "Philip": ("Phil", "Pip"),
    "Piotr": ("Peter",),
    "Rebecca": ("Becky", "Becca", "Bex"),
    "Richard": ("Rich", "Rick", "Dick", "Richie"),
    "Robert": ("Rob", "Bob", "Bobby", "Robbie"),
    "Ronald": ("Ron", "Ronnie"),
    "Samantha": ("Sam", "Sammy"),
    "Samuel": ("Sam", "Sammy"),
    "Sebastian": ("Seb",),
    "Sophia": ("Sophie", "Sofia"),
    "Sophie": ("Soph",),
    "Stephanie": ("Steph",),
    "Stephen": ("Steve", "Stevie", "Steven"),
    "Steven": ("Steve", "Stephen"),
    "Susan": ("Sue", "Susie", "Suzy"),
    "Theodore": ("Theo", "Ted", "Teddy"),
    "Thomas": ("Tom", "Tommy"),
    "Timothy": ("Tim", "Timmy"),
    "Tomasz": ("Tomek", "Thomas"),
    "Victoria": ("Vicky", "Tori", "Vic"),
    "William": ("Will", "Bill", "Billy", "Liam", "Willie"),
    "Yusuf": ("Yousef", "Joseph"),
    "Zachary": ("Zach", "Zac"),
    "Zoë": ("Zoe",),
}


def nickname_for(forename: str, rng: np.random.Generator) -> str | None:
    """A nickname or variant of a forename, or None if it has none we know of."""
    options = NICKNAMES.get(forename.strip().title())
    if not options:
        return None
    return options[int(rng.integers(len(options)))]


# --- invented streets ----------------------------------------------------------------------------

_STREET_STEMS = _names("""
    Church, Rectory, Station, Victoria, Park, Mill, School, Manor, Chapel, Queens, Kings, Whitmore,
    Elm, Oak, Ash, Beech, Willow, Cherry, Orchard, Meadow, Brook, Bridge, Market, High, London,
    Southend, Wickford, Laindon, Pitsea, Vange, Langdon, Nevendon, Fryerns, Ballards, Gloucester,
    Windsor, Cambridge, Norfolk, Suffolk, Rochford, Hadleigh, Canvey, Bowers, Kingswood, Felmores,
    Cranes, Barstable, Gardiners, Honeypot, Clayhill, Dunton, Noak, Markhams, Timberlog,
    Swan, Falcon, Heron, Kestrel, Primrose, Bluebell, Foxglove, Hawthorn, Holly, Rowan, Juniper,
    Highfield, Longfield, Broadmead, Newlands, Ashdown, Somerset, Devon, Cornwall
""")

# Suffix weights by rank: Road and Close dominate a post-war new town's streets.
_STREET_SUFFIXES = _names("""
    Road, Close, Avenue, Way, Gardens, Drive, Crescent, Lane, Street, Court, Chase, Walk, Place,
    Grove, Rise, Mews, Green, View, Park, Hill
""")

# How agencies that abbreviate write the suffixes (the police address line does).
SUFFIX_ABBREVIATIONS: Mapping[str, str] = {
    "Road": "RD",
    "Close": "CL",
    "Avenue": "AVE",
    "Way": "WAY",
    "Gardens": "GDNS",
    "Drive": "DR",
    "Crescent": "CRES",
    "Lane": "LN",
    "Street": "ST",
    "Court": "CT",
    "Chase": "CHASE",
    "Walk": "WLK",
    "Place": "PL",
    "Grove": "GR",
    "Rise": "RISE",
    "Mews": "MEWS",
    "Green": "GRN",
    "View": "VW",
    "Park": "PK",
    "Hill": "HL",
}

_STEMS = np.array(_STREET_STEMS, dtype=object)
_SUFFIXES = _Pool.of(_STREET_SUFFIXES)


def street_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` invented street names such as "Rectory Road" (stems uniform, suffixes weighted)."""
    stems = _STEMS[rng.integers(len(_STEMS), size=n)]
    suffixes = _SUFFIXES.draw(rng, n)
    return np.asarray(stems + " " + suffixes, dtype=object)
