/** The one owner of every local bucket (S3's canonical user id is 64 hex digits). */
export const ACCOUNT_ID = '75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a';
