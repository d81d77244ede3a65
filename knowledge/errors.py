"""Errors the knowledge base shows to its users.

Every message says what happened and what to do next; pages show ``str(error)``,
the CLI prints it on stderr and exits non-zero.

    KnowledgeError
    ├── ConfigError
    ├── LoadError                 one file could not be read (the batch goes on)
    │   ├── UnsupportedFileType
    │   ├── FileTooLarge
    │   ├── EmptyDocument
    │   ├── EncryptedDocument
    │   ├── CorruptDocument
    │   └── NoExtractableText
    ├── DocumentNotFound
    ├── EmbeddingError
    ├── RerankerUnavailable       the reranker folder could not be loaded or its server used
    ├── StoreUnavailable
    ├── ReindexNeeded
    ├── EmptyQuestion
    ├── DiskFull                  no space left for knowledge.db, the originals or Chroma
    └── DatabaseLocked            knowledge.db stayed locked by another program too long
"""


class KnowledgeError(Exception):
    "Base class of errors a user of the knowledge base can see"


class ConfigError(KnowledgeError):
    "A setting has a value that cannot be used"


class LoadError(KnowledgeError):
    "A file could not be turned into text"


class UnsupportedFileType(LoadError):
    "The file's type is not one the knowledge base reads"


class FileTooLarge(LoadError):
    "The file is larger than the configured limit"


class EmptyDocument(LoadError):
    "The file holds no text"


class EncryptedDocument(LoadError):
    "The file is password-protected"


class CorruptDocument(LoadError):
    "The file is damaged or is not what its extension says"


class NoExtractableText(LoadError):
    "The file has pages but no text layer (probably scanned)"


class DocumentNotFound(KnowledgeError):
    "No document with that name or id is in the knowledge base"


class EmbeddingError(KnowledgeError):
    "The embedding model could not be loaded or reached"


class RerankerUnavailable(KnowledgeError):
    "The reranker (a model folder or a rerank server) could not be loaded, reached or understood"


class StoreUnavailable(KnowledgeError):
    "The vector store (Chroma) could not be opened or reached"


class ReindexNeeded(KnowledgeError):
    "The index was built with another embedding model"


class EmptyQuestion(KnowledgeError):
    "The question has no words in it"


class ContentMismatch(UnsupportedFileType):
    "The file's content is not the type its name says (e.g. a PNG image named .pdf)"


class DiskFull(KnowledgeError):
    "The disk holding the data folder (or the vector store) has no space left"


class DatabaseLocked(KnowledgeError):
    "Another connection held knowledge.db's write lock for longer than we wait"
